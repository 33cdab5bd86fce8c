// What the agent is told when a version's code is loaded into a sandbox: the settings
// the runtime needs (the env with its secret values opened), and the names Lambda gives
// the function, its ARN and log stream.
import type { VersionRecord } from '../model/function.js';
import { LOG_LIMIT_BYTES } from '../model/limits.js';
import { functionArn, logGroupName, logStreamName } from '../model/names.js';
import type { InitRequest } from './agent-channel.js';

/** `secretEnv`: the plaintext of the version's secret env values, opened for this request only. */
export function initRequestFor(v: VersionRecord, instanceId: string, secretEnv: Record<string, string> = {}): InitRequest {
  return {
    runtime: v.runtime, handler: v.handler, codeSha256: v.codeSha256, functionName: v.functionName,
    functionVersion: String(v.version), memoryMb: v.memoryMb, timeoutMs: v.timeoutS * 1000, env: { ...v.env, ...secretEnv },
    invokedFunctionArn: functionArn(v.functionName), logGroupName: logGroupName(v.functionName),
    logStreamName: logStreamName(v.version, instanceId), logLimitBytes: LOG_LIMIT_BYTES,
  };
}
