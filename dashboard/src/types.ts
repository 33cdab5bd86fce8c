// The API's shapes the page reads (contracts/openapi.yaml describes them).
export type EnvValue = string | { secret: string };

export interface Settings {
  runtime: string;
  handler: string;
  memory: number;
  timeout: number;
  env: Record<string, EnvValue>;
  description: string;
  network: string;
  allow: string[];
}

export interface FunctionInfo extends Settings {
  name: string;
  latestVersion: number | null;
  reservedConcurrency: number | null;
  minWarm: number;
  createdAt: string;
  updatedAt: string;
}

export interface Version extends Settings {
  function: string;
  version: number;
  codeSha256: string;
  codeSize: number;
  createdAt: string;
  published: boolean;
}

export interface Alias {
  function: string;
  name: string;
  version: number;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface FunctionDetail {
  function: FunctionInfo;
  latest: Version | null;
  versions: number;
  aliases: Alias[];
}

export type InvocationStatus = 'success' | 'error' | 'timeout' | 'crash' | 'failed';

export interface LogEntry {
  id: string;
  version: number;
  status: InvocationStatus;
  startedAt: string;
  durationMs: number | null;
  cold: boolean;
  log: string;
}

export interface LogPage {
  invocations: LogEntry[];
  nextCursor: string | null;
}

export interface Health {
  status: string;
  version: string;
  driver: string;
}

export interface PoolReport {
  sandbox: Record<string, unknown>;
  admission: { inFlight: number; queued: number; nodeLimit: number };
  budget: { sandboxes: number; maxSandboxes: number; memoryMb: number; maxMemoryMb: number };
  freeze: { method: string | null; afterMs: number };
  generic: { id: string | null; pid: number | null; runtime: string; memoryMb: number; network: string; state: string; frozen: boolean; ageMs: number; memoryKb: number | null }[];
  instances: {
    id: string; pid: number | null; function: string; version: number; state: string; frozen: boolean; ageMs: number; idleMs: number;
    invocations: number; initMs: number | null; maxRssKb: number | null; memoryKb: number | null;
  }[];
}

export const RUNTIMES = ['python3.13', 'python3.12', 'python3.11', 'python3.10', 'python3.9', 'python3.8'];
export const DEFAULT_RUNTIME = 'python3.11';
