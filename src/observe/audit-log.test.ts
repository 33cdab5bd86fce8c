import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { NewAuditEntry } from '../model/audit.js';
import type { AuditTable } from '../store/audit-table.js';
import { AuditLog } from './audit-log.js';

const log = pino({ level: 'silent' });

test('the audit log prunes entries past its retention on start, with the cutoff from its clock', () => {
  const cutoffs: string[] = [];
  const table = { appendMany: (_: NewAuditEntry[]) => undefined, recent: () => [], pruneBefore: (before: string) => { cutoffs.push(before); return 3; } } as unknown as AuditTable;
  const now = Date.parse('2026-12-02T00:00:00.000Z');
  const audit = new AuditLog(table, log, { maxAgeMs: 365 * 24 * 3600 * 1000, now: () => now });
  try {
    assert.deepEqual(cutoffs, ['2025-12-02T00:00:00.000Z']);
    assert.equal(audit.prune(), 3);
  } finally {
    audit.close();
  }
});
