// Code packages for tests: a zip of inline files, made in memory.
import yazl from 'yazl';

export async function zipFiles(files: Record<string, string>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [path, content] of Object.entries(files)) z.addBuffer(Buffer.from(content), path, { mtime: new Date(0) });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
