// One entry of the audit log: who (the API key's id and name), what (an action on a
// target), when, from where (the client address), and how it ended (ok, or the error
// type). Changes are audited; reads and invocations are not.

export interface AuditEntry {
  /** increasing, assigned when the entry is stored */
  seq: number;
  at: string;
  keyId: string;
  keyName: string;
  /** e.g. function.delete, alias.put, key.create */
  action: string;
  /** what it acted on: a function, `function:alias`, `function:version`, a key id */
  target: string;
  client: string;
  /** `ok`, or the error type the request was answered with */
  result: string;
  detail: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq'>;
