// CPU time used so far (user + system, ms) by a host process tree, from /proc: what a
// sandbox costs the host, whichever driver runs it (runsc and the gVisor sentry, or the
// bubblewrap tree). Threads count with their process; children that already exited do
// not (compare two readings of a tree that lives on).
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_MS = 100 / 1000; // USER_HZ is 100 on Linux

async function statOf(pid: number): Promise<{ ppid: number; ticks: number } | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

/** CPU ms of each root's tree (0 for a root that is gone). */
export async function treesCpuMs(roots: number[]): Promise<Map<number, number>> {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await statOf(Number(name));
    if (s) procs.set(Number(name), s);
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of procs) {
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out = new Map<number, number>();
  for (const root of roots) {
    let ticks = 0;
    const stack = [root];
    while (stack.length) {
      const pid = stack.pop()!;
      ticks += procs.get(pid)?.ticks ?? 0;
      stack.push(...(children.get(pid) ?? []));
    }
    out.set(root, ticks / TICKS_PER_MS);
  }
  return out;
}

export async function treeCpuMs(root: number): Promise<number> {
  return (await treesCpuMs([root])).get(root) ?? 0;
}

/** The pids of a host process tree, root first. */
export async function treePids(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await statOf(Number(name));
    if (s) parents.set(Number(name), s.ppid);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parents) if (ppid === out[i]) out.push(pid);
  return out;
}
