// A code package built in the page: one file in a POSIX ustar tar, which the API takes
// as it takes a zip or a tar.gz (src/registry/code-package.ts reads the ustar magic).
const BLOCK = 512;

function field(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > length) throw new Error(`tar header field too long: ${text}`);
  header.set(bytes, offset);
}

const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;

/** A tar holding `name` (a plain relative file name) with `content`, mode 0644. */
export function tarOneFile(name: string, content: string): Uint8Array<ArrayBuffer> {
  const data = new TextEncoder().encode(content);
  const header = new Uint8Array(BLOCK);
  field(header, 0, 100, name);
  field(header, 100, 8, octal(0o644, 8));
  field(header, 108, 8, octal(0, 8));
  field(header, 116, 8, octal(0, 8));
  field(header, 124, 12, octal(data.length, 12));
  field(header, 136, 12, octal(Math.floor(Date.now() / 1000), 12));
  field(header, 148, 8, '        '); // the checksum counts its own field as spaces
  field(header, 156, 1, '0');
  field(header, 257, 6, 'ustar\0');
  field(header, 263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padded = Math.ceil(data.length / BLOCK) * BLOCK;
  const out = new Uint8Array(BLOCK + padded + 2 * BLOCK);
  out.set(header, 0);
  out.set(data, BLOCK);
  return out;
}
