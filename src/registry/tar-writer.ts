// Writes the canonical code package: an uncompressed POSIX (ustar + pax) tar with
// sorted entries, zero mtimes and owners, so the same files always give the same bytes
// and therefore the same sha256. The agent extracts it inside the sandbox.

export interface TarEntry {
  path: string; // relative, '/'-separated, no trailing slash
  kind: 'file' | 'dir';
  executable?: boolean;
  content?: Buffer;
}

const BLOCK = 512;

export function writeTar(entries: TarEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts: Buffer[] = [];
  for (const e of sorted) {
    const name = e.kind === 'dir' ? `${e.path}/` : e.path;
    const content = e.kind === 'file' ? e.content ?? Buffer.alloc(0) : Buffer.alloc(0);
    const mode = e.kind === 'dir' || e.executable ? 0o755 : 0o644;
    const split = splitUstarName(name);
    if (!split) {
      const record = paxRecord('path', name);
      parts.push(header({ name: 'PaxHeader', prefix: '', size: record.length, mode: 0o644, type: 'x' }), pad(record));
    }
    parts.push(header({ name: split?.name ?? name.slice(-99), prefix: split?.prefix ?? '', size: content.length, mode, type: e.kind === 'dir' ? '5' : '0' }));
    if (content.length) parts.push(pad(content));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function splitUstarName(name: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { name: rest, prefix };
  }
  return null;
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  let digits = String(length).length;
  while (String(length + digits).length !== digits) digits++;
  length += digits;
  return Buffer.from(`${length}${body}`, 'utf8');
}

function header(h: { name: string; prefix: string; size: number; mode: number; type: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, 0);
  b.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  b.write(h.type, 156, 1, 'ascii');
  b.write('ustar\u000000', 257, 8, 'binary');
  b.write(h.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'binary');
  return b;
}

function octal(b: Buffer, offset: number, length: number, value: number): void {
  b.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}

function pad(content: Buffer): Buffer {
  const rest = content.length % BLOCK;
  return rest === 0 ? content : Buffer.concat([content, Buffer.alloc(BLOCK - rest)]);
}
