// Framing of the agent <-> host protocol (contracts/agent-protocol.md): a frame is a
// u32 header length, a u32 body length, a JSON header with a string `type`, then raw
// body bytes. FrameDecoder is incremental so it can sit on any byte stream (a pipe
// today, vsock for microVMs later).

export const MAX_HEADER_BYTES = 4 * 1024 * 1024;
export const MAX_BODY_BYTES = 512 * 1024 * 1024;
const PREFIX_BYTES = 8;

export interface FrameHeader {
  type: string;
  [field: string]: unknown;
}

export interface Frame {
  header: FrameHeader;
  body: Buffer;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

export function encodeFrame(header: FrameHeader, body: Buffer = EMPTY): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  if (headerBytes.length > MAX_HEADER_BYTES) throw new ProtocolError(`header of ${headerBytes.length} bytes is over the limit`);
  if (body.length > MAX_BODY_BYTES) throw new ProtocolError(`body of ${body.length} bytes is over the limit`);
  const prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  prefix.writeUInt32BE(headerBytes.length, 0);
  prefix.writeUInt32BE(body.length, 4);
  return Buffer.concat([prefix, headerBytes, body]);
}

const EMPTY = Buffer.alloc(0);

/** Accumulates chunks and yields complete frames; throws ProtocolError on a bad frame. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < PREFIX_BYTES) break;
      const head = this.peek(PREFIX_BYTES);
      const headerLength = head.readUInt32BE(0);
      const bodyLength = head.readUInt32BE(4);
      if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) throw new ProtocolError(`header length ${headerLength} out of range`);
      if (bodyLength > MAX_BODY_BYTES) throw new ProtocolError(`body length ${bodyLength} out of range`);
      const total = PREFIX_BYTES + headerLength + bodyLength;
      if (this.buffered < total) break;
      const frameBytes = this.take(total);
      const header = parseHeader(frameBytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength));
      frames.push({ header, body: frameBytes.subarray(PREFIX_BYTES + headerLength) });
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}

function parseHeader(bytes: Buffer): FrameHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProtocolError('frame header is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ProtocolError('frame header is not a JSON object');
  if (typeof (parsed as { type?: unknown }).type !== 'string') throw new ProtocolError('frame header has no string "type"');
  return parsed as FrameHeader;
}
