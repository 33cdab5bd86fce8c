// The runtime's start: pick the transport (the agent's pipe, else the Runtime API over
// HTTP), take the function (from the environment, or from the agent's assignment when
// prestarted), load the handler, then serve invocations.
import { patchConsole } from './console.mjs';
import { staticContextFields } from './context.mjs';
import { errorObject, logError } from './errors.mjs';
import { installProcessHandlers, serve } from './invocation.mjs';
import { loadHandler } from './loader.mjs';
import { HTTPTransport, PipeTransport } from './transport.mjs';

function openTransport() {
  const spec = process.env.SKYSCALE_RUNTIME_PIPE;
  delete process.env.SKYSCALE_RUNTIME_PIPE;
  const pipe = spec ? PipeTransport.open(spec) : null;
  if (pipe) return pipe;
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) {
    process.stderr.write('[skyscale] neither SKYSCALE_RUNTIME_PIPE nor AWS_LAMBDA_RUNTIME_API is set\n');
    process.exit(1);
  }
  return new HTTPTransport(address);
}

/**
 * Prestart mode (SKYSCALE_PRESTART=1): the interpreter and this runtime are loaded
 * before any function is known. Wait for the agent to assign one, then make the
 * process look like one started for it: the full environment (nothing of the generic
 * one left over) and the task root as working directory.
 */
function takeAssignment(pipe) {
  const assignment = pipe.awaitAssignment();
  const env = assignment.env ?? {};
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
  const taskRoot = assignment.taskRoot || env.LAMBDA_TASK_ROOT || '.';
  try {
    process.chdir(taskRoot);
  } catch { /* the agent made it; a run by hand may not have */ }
}

export async function main() {
  const transport = openTransport();
  if (process.env.SKYSCALE_PRESTART) {
    if (!(transport instanceof PipeTransport)) {
      process.stderr.write('[skyscale] a prestarted runtime needs the agent\'s pipe (SKYSCALE_RUNTIME_PIPE)\n');
      process.exit(1);
    }
    takeAssignment(transport);
  }
  patchConsole();
  installProcessHandlers();
  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER ?? '');
  } catch (err) {
    const error = errorObject(err);
    logError('Init Error', error);
    try {
      await transport.initError(error);
    } catch (e) {
      process.stderr.write(`[skyscale] cannot report the init error: ${e.message}\n`);
    }
    process.exit(1);
  }
  await serve(transport, handler, staticContextFields());
}
