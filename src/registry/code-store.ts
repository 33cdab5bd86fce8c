// Content-addressed blob store for code packages: a blob's name is the sha256 of its
// bytes, so identical packages are stored once and a blob can be verified anywhere.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, existsSync, writeFileSync, renameSync, readdirSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyscaleError } from '../errors.js';

export interface StoredBlob {
  sha256: string;
  size: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class CodeStore {
  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
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
    return { sha256, size: bytes.length };
  }

  /** Reads a blob and checks it still hashes to its name. */
  async get(sha256: string): Promise<Buffer> {
    const bytes = await readFile(this.pathOf(sha256)).catch((err: NodeJS.ErrnoException) => {
      // named by its hash, never by its file: the message reaches callers
      if (err.code === 'ENOENT') throw new SkyscaleError('InternalError', `the code package ${sha256.slice(0, 12)}… is missing from the code store`, { cause: err });
      throw new SkyscaleError('InternalError', `the code package ${sha256.slice(0, 12)}… could not be read (${err.code ?? 'error'})`, { cause: err });
    });
    if (CodeStore.digest(bytes) !== sha256) throw new Error(`code blob ${sha256} is corrupt on disk`);
    return bytes;
  }

  /** Removes blobs no version refers to any more; returns how many went. */
  sweep(keep: Set<string>): number {
    let removed = 0;
    for (const dir of readdirSync(this.root)) {
      for (const name of readdirSync(join(this.root, dir))) {
        if (SHA256_HEX.test(name) && !keep.has(name)) {
          unlinkSync(join(this.root, dir, name));
          removed++;
        }
      }
    }
    return removed;
  }

  private pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }
}
