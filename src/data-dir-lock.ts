// One server per data directory: a second server on the same directory would take the
// first one's sandboxes for leftovers of a crashed run and stop them, and share its
// database. The lock is a file naming the holder's pid, created exclusively; a lock whose
// holder is gone (a server killed with SIGKILL) is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SkyscaleError } from './errors.js';

export interface DataDirLock {
  release(): void;
}

const LOCK_FILE = 'server.pid';

export function lockDataDir(dataDir: string, pid = process.pid): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          if (holder(path) === pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = holder(path);
      if (other !== null && other !== pid && alive(other)) {
        throw new SkyscaleError('DataDirInUse', `another Skyscale server (pid ${other}) is using the data directory ${dataDir}`, {
          hint: 'stop that server first, or give this one its own data directory (--data-dir, SKYSCALE_DATA_DIR)',
        });
      }
      if (other === pid) {
        throw new SkyscaleError('DataDirInUse', `this process already runs a Skyscale server on the data directory ${dataDir}`, {
          hint: 'close it before starting another on the same data directory',
        });
      }
      rmSync(path, { force: true }); // its holder is gone: a crashed run
    }
  }
  throw new SkyscaleError('DataDirInUse', `could not lock the data directory ${dataDir}: another server is starting on it`, {
    hint: 'start one server per data directory',
  });
}

function holder(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
