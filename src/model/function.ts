// The registry's domain types: a function, its immutable numbered versions, and the
// settings both carry (a version snapshots the function's settings at deploy time),
// aliases naming versions, and function URL configurations.
import type { NetworkMode } from './egress-policy.js';

export interface FunctionSettings {
  runtime: string;
  handler: string;
  memoryMb: number;
  timeoutS: number;
  env: Record<string, string>;
  /**
   * secret env values, each sealed under the data directory's master key: never
   * plaintext here, shown masked in every read, opened only for a sandbox's init
   */
  secretEnv: Record<string, string>;
  description: string;
  /** `outbound`: the public internet (and what `allow` opens) is reachable; `none`: loopback only */
  network: NetworkMode;
  /** allow entries in canonical form (egress-policy.ts): private addresses, ranges or names this function may reach */
  allow: string[];
}

export interface FunctionRecord extends FunctionSettings {
  name: string;
  /** the snapshot $LATEST runs: the newest deploy, an unpublished Lambda-API update, or a rollback target */
  latestVersion: number | null;
  /** Lambda's reserved concurrency (PutFunctionConcurrency); null when unset. The scheduler enforces it. */
  reservedConcurrency: number | null;
  /** provisioned concurrency: warm instances of $LATEST kept ready, never reaped while idle */
  minWarm: number;
  createdAt: string;
  updatedAt: string;
}

export interface VersionRecord extends FunctionSettings {
  functionName: string;
  version: number;
  codeSha256: string;
  codeSize: number;
  createdAt: string;
  /**
   * false for a $LATEST state made by the Lambda API (UpdateFunctionCode/Configuration
   * without Publish) that PublishVersion has not published yet: it runs as $LATEST but
   * is not a version a qualifier can name.
   */
  published: boolean;
}

export interface AliasRecord {
  functionName: string;
  name: string;
  functionVersion: number;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export type UrlAuthType = 'NONE' | 'AWS_IAM';

export interface FunctionUrlRecord {
  functionName: string;
  /** '' for the unqualified URL (runs $LATEST), else an alias name */
  qualifier: string;
  authType: UrlAuthType;
  cors: Record<string, unknown> | null;
  invokeMode: 'BUFFERED';
  createdAt: string;
  updatedAt: string;
}

/** A change to a function that running instances must follow: a new $LATEST, or the function gone. */
export type FunctionChange = { kind: 'deployed'; name: string; version: number } | { kind: 'deleted'; name: string };
