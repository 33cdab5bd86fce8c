// Content-addressed blob store for code packages: a blob's name is the sha256 of its
// bytes, so identical packages are stored once and a blob can be verified anywhere.
// It also owns when a blob may go: see sweep().
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, existsSync, writeFileSync, renameSync, readdirSync, unlinkSync, statSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyscaleError } from '../errors.js';

export interface StoredBlob {
  sha256: string;
  size: number;
}

export interface CodeStoreOptions {
  /** how long a blob stays after nothing refers to it any more (default 15 minutes) */
  graceMs?: number;
  now?: () => number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Longer than anything that can sit between resolving a version and reading its code:
 * the admission queue's longest wait (10 minutes at most) and the placement waits
 * after it.
 */
export const SWEEP_GRACE_MS = 15 * 60_000;

export class CodeStore {
  private readonly graceMs: number;
  private readonly now: () => number;
  /** blobs found unreferenced by a sweep, and since when */
  private readonly unreferencedSince = new Map<string, number>();
  /** blobs being read now, and by how many readers */
  private readonly reading = new Map<string, number>();

  constructor(private readonly root: string, opts: CodeStoreOptions = {}) {
    mkdirSync(root, { recursive: true });
    this.graceMs = opts.graceMs ?? SWEEP_GRACE_MS;
    this.now = opts.now ?? Date.now;
  }

  static digest(bytes: Buffer): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  put(bytes: Buffer): StoredBlob {
    const sha256 = CodeStore.digest(bytes);
    const path = this.pathOf(sha256);
    if (!existsSync(path)) {
      mkdirSync(join(this.root, sha256.slice(0, 2)), { recursive: true });
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path); // atomic: readers never see a half-written blob
    }
    this.unreferencedSince.delete(sha256); // stored again: its grace starts over when it is next let go
    return { sha256, size: bytes.length };
  }

  /**
   * Reads a blob and checks it still hashes to its name. A blob that is missing or
   * damaged is a CodeBlobMissing error naming the blob, never the path on the host.
   */
  async get(sha256: string): Promise<Buffer> {
    const path = this.pathOf(sha256);
    this.reading.set(sha256, (this.reading.get(sha256) ?? 0) + 1);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'an I/O error';
      throw new SkyscaleError('CodeBlobMissing', `code package ${sha256} cannot be read from the code store (${code === 'ENOENT' ? 'it is missing' : code})`, {
        hint: 'deploy the function again; if this repeats, check the data directory', cause: err,
      });
    } finally {
      const left = this.reading.get(sha256)! - 1;
      if (left) this.reading.set(sha256, left);
      else this.reading.delete(sha256);
    }
    if (CodeStore.digest(bytes) !== sha256) {
      throw new SkyscaleError('CodeBlobMissing', `code package ${sha256} is damaged in the code store (its bytes no longer hash to its name)`, { hint: 'deploy the function again' });
    }
    return bytes;
  }

  /**
   * Removes blobs nothing has referred to for longer than the grace period; returns
   * how many went. `keep` is what is referenced now (every version, so every alias
   * and $LATEST, and the resolutions the registry has cached).
   *
   * Why a grace period and not just `keep`: an invocation resolves its version first
   * and reads the code only when its cold start begins, after the admission queue and
   * placement, and a deploy in between may let go of that version (an unpublished
   * $LATEST replaced, a version or the function deleted). Such a reader holds nothing
   * the database can see, so the blob stays until no reader can still be on its way;
   * a blob being read at the moment of the sweep is never removed either. A blob that
   * is referenced again within its grace (the same package deployed anew) stays.
   */
  sweep(keep: Set<string>): number {
    const now = this.now();
    const seen = new Set<string>();
    let removed = 0;
    for (const dir of readdirSync(this.root)) {
      for (const name of readdirSync(join(this.root, dir))) {
        if (!SHA256_HEX.test(name)) continue;
        seen.add(name);
        if (keep.has(name) || this.reading.has(name)) {
          this.unreferencedSince.delete(name);
          continue;
        }
        const since = this.unreferencedSince.get(name);
        if (since === undefined) {
          this.unreferencedSince.set(name, now);
        } else if (now - since >= this.graceMs) {
          unlinkSync(join(this.root, dir, name));
          this.unreferencedSince.delete(name);
          removed++;
        }
      }
    }
    for (const name of this.unreferencedSince.keys()) if (!seen.has(name)) this.unreferencedSince.delete(name);
    return removed;
  }

  /**
   * What the store holds (packages stored once however many versions use them) and
   * what it could hold: its bytes plus the space left to this process on its file
   * system. Reads the directory: for occasional reports, not the invoke path.
   */
  usage(): { blobs: number; bytes: number; capacityBytes: number } {
    let blobs = 0;
    let bytes = 0;
    for (const dir of readdirSync(this.root)) {
      for (const name of readdirSync(join(this.root, dir))) {
        if (!SHA256_HEX.test(name)) continue;
        const size = statSync(join(this.root, dir, name), { throwIfNoEntry: false })?.size;
        if (size === undefined) continue; // swept meanwhile
        blobs++;
        bytes += size;
      }
    }
    const fs = statfsSync(this.root);
    return { blobs, bytes, capacityBytes: bytes + fs.bavail * fs.bsize };
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256.slice(0, 80))}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }
}
