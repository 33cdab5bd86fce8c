// Memory of a process tree on the host, as proportional set size (PSS: shared pages
// split between the processes sharing them), so summing sandboxes does not count the
// runsc binary's pages once per sandbox. Linux only; null where /proc says nothing.
import { readdir, readFile } from 'node:fs/promises';

async function childrenOf(): Promise<Map<number, number[]>> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process went away while we looked
    }
  }
  return children;
}

async function pssKb(pid: number): Promise<number> {
  try {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** PSS in kB of each root pid's whole process tree. */
export async function treePssKb(roots: number[]): Promise<Map<number, number | null>> {
  const out = new Map<number, number | null>();
  if (!roots.length) return out;
  const children = await childrenOf();
  for (const root of roots) {
    const pids: number[] = [];
    const stack = [root];
    while (stack.length) {
      const pid = stack.pop()!;
      pids.push(pid);
      stack.push(...(children.get(pid) ?? []));
    }
    const sizes = await Promise.all(pids.map(pssKb));
    const total = sizes.reduce((a, b) => a + b, 0);
    out.set(root, total > 0 ? total : null);
  }
  return out;
}
