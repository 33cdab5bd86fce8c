// The attach stream of a container without a TTY carries stdout and stderr multiplexed:
// frames of an 8-byte header (stream: 0 stdin, 1 stdout, 2 stderr; three zero bytes;
// the payload's length, big-endian uint32) and the payload. Frames arrive split and
// joined across chunks in any way; this splits them back into two streams.
import { PassThrough, Writable } from 'node:stream';

const HEADER = 8;

export class AttachDemux extends Writable {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  private pending: Buffer = Buffer.alloc(0);
  /** chunks that arrived since `pending` was last joined, and their length: a large frame is joined once, not per chunk */
  private parts: Buffer[] = [];
  private partsLength = 0;
  private need = HEADER;

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.parts.push(chunk);
    this.partsLength += chunk.length;
    if (this.pending.length + this.partsLength < this.need) {
      done();
      return;
    }
    this.pending = Buffer.concat([this.pending, ...this.parts]);
    this.parts = [];
    this.partsLength = 0;
    while (this.pending.length >= HEADER) {
      const kind = this.pending[0]!;
      const size = this.pending.readUInt32BE(4);
      if (kind > 2 || this.pending[1] !== 0 || this.pending[2] !== 0 || this.pending[3] !== 0) {
        done(new Error(`the container's attach stream is not multiplexed (header ${this.pending.subarray(0, HEADER).toString('hex')})`));
        return;
      }
      if (this.pending.length < HEADER + size) {
        this.need = HEADER + size;
        done();
        return;
      }
      const payload = this.pending.subarray(HEADER, HEADER + size);
      this.pending = this.pending.subarray(HEADER + size);
      (kind === 2 ? this.stderr : this.stdout).write(payload);
    }
    this.need = HEADER;
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.stdout.end();
    this.stderr.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.stdout.end();
    this.stderr.end();
    done(err);
  }
}

/** One frame as the engine writes it (for tests). */
export function frame(kind: 1 | 2, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(HEADER);
  header[0] = kind;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}
