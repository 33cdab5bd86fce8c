// The registry's domain types: a function, its immutable numbered versions, and the
// settings both carry (a version snapshots the function's settings at deploy time).

export interface FunctionSettings {
  runtime: string;
  handler: string;
  memoryMb: number;
  timeoutS: number;
  env: Record<string, string>;
  description: string;
}

export interface FunctionRecord extends FunctionSettings {
  name: string;
  latestVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface VersionRecord extends FunctionSettings {
  functionName: string;
  version: number;
  codeSha256: string;
  codeSize: number;
  createdAt: string;
}
