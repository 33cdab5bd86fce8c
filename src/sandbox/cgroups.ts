// The host's freezer cgroups, as the sandbox drivers need them: which freezer the host
// has (the v1 `freezer` hierarchy, else the v2 core freezer), which cgroup a process
// is in, and a cgroup the driver makes for one sandbox and removes after it. gVisor
// makes its own sandbox cgroups (runsc places each sandbox in /<id> of every
// hierarchy); the namespace driver makes one per sandbox under a group named for the
// server's data directory, so leftovers of a crashed run are found and only its own.
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type CgroupFreezerKind = 'cgroup-v1' | 'cgroup-v2';

export interface FreezerHierarchy {
  kind: CgroupFreezerKind;
  /** where the hierarchy is mounted */
  mount: string;
  /** the control plane's own cgroup in it ("/" at the root); never frozen */
  own: string;
}

/** The file that freezes a cgroup, and what to write to it. */
export const FREEZE_FILE = { 'cgroup-v1': 'freezer.state', 'cgroup-v2': 'cgroup.freeze' } as const;
export const FREEZE_VALUES = { 'cgroup-v1': { frozen: 'FROZEN', thawed: 'THAWED' }, 'cgroup-v2': { frozen: '1', thawed: '0' } } as const;

/**
 * The freezer this host offers the control plane: the v1 `freezer` hierarchy where one
 * is mounted (hybrid hosts: runsc puts its sandboxes there, and the v2 tree holds no
 * sandbox cgroups), else the v2 unified hierarchy; null without either.
 */
export function findFreezerHierarchy(mountinfo = readText('/proc/self/mountinfo'), ownCgroups = readText('/proc/self/cgroup')): FreezerHierarchy | null {
  let v1: string | null = null;
  let v2: string | null = null;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fstype, , options] = right.split(' ');
    // a mount of a subtree (root other than "/") would need its paths translated: skip it
    if (fields[3] !== '/' || !fields[4]) continue;
    if (fstype === 'cgroup' && options?.split(',').includes('freezer')) v1 ??= unescapeMount(fields[4]);
    if (fstype === 'cgroup2') v2 ??= unescapeMount(fields[4]);
  }
  if (v1) {
    const own = cgroupPath(ownCgroups, 'cgroup-v1');
    if (own !== null) return { kind: 'cgroup-v1', mount: v1, own };
  }
  if (v2) {
    const own = cgroupPath(ownCgroups, 'cgroup-v2');
    if (own !== null) return { kind: 'cgroup-v2', mount: v2, own };
  }
  return null;
}

/** A process's cgroup in the freezer's hierarchy, from the text of /proc/<pid>/cgroup. */
export function cgroupPath(procCgroup: string, kind: CgroupFreezerKind): string | null {
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (kind === 'cgroup-v1' && m[2]!.split(',').includes('freezer')) return m[3]!;
    if (kind === 'cgroup-v2' && m[1] === '0' && m[2] === '') return m[3]!;
  }
  return null;
}

/**
 * The freeze file of the cgroup `pid` is in, or null when that cgroup is not one of a
 * sandbox's own: the hierarchy's root, or the control plane's cgroup or one of its
 * ancestors (freezing those would freeze the control plane).
 */
export async function sandboxFreezeFile(h: FreezerHierarchy, pid: number): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return null; // gone
  }
  const path = cgroupPath(text, h.kind);
  return path !== null && mayFreeze(path, h.own) ? join(h.mount, path, FREEZE_FILE[h.kind]) : null;
}

/** A cgroup that holds neither the control plane nor any cgroup above it. */
export function mayFreeze(path: string, own: string): boolean {
  return path !== '/' && path !== own && !own.startsWith(`${path}/`);
}

/** Host pids of a process's children (every thread's: a Go parent forks from any). */
export async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  try {
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const c of text.split(' ')) if (c.trim()) out.push(Number(c));
    }
  } catch {
    // the process is gone
  }
  return out;
}

/** A cgroup the control plane made for one sandbox, under `group` (its cgroup, below ours). */
export class SandboxCgroup {
  readonly dir: string;

  constructor(readonly h: FreezerHierarchy, readonly group: string, readonly id: string) {
    this.dir = join(groupDir(h, group), id);
  }

  get procsFile(): string {
    return join(this.dir, 'cgroup.procs');
  }

  get freezeFile(): string {
    return join(this.dir, FREEZE_FILE[this.h.kind]);
  }

  async create(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Moves a process out, back into the control plane's own cgroup (its children stay). */
  async release(pid: number): Promise<void> {
    await writeFile(join(this.h.mount, this.h.own, 'cgroup.procs'), String(pid));
  }

  /** Thaws the cgroup, kills what is left in it and removes it; true once it is gone. */
  async remove(timeoutMs = 5000): Promise<boolean> {
    return removeCgroup(this.h, this.dir, timeoutMs);
  }
}

/** Removes every sandbox cgroup under `group` (a crashed run's leftovers), then the group; how many there were. */
export async function removeGroup(h: FreezerHierarchy, group: string): Promise<number> {
  const dir = groupDir(h, group);
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return 0;
  }
  await Promise.all(entries.map((e) => removeCgroup(h, join(dir, e), 5000)));
  await rmdir(dir).catch(() => undefined);
  return entries.length;
}

function groupDir(h: FreezerHierarchy, group: string): string {
  return join(h.mount, h.own, group);
}

async function removeCgroup(h: FreezerHierarchy, dir: string, timeoutMs: number): Promise<boolean> {
  // Thawed first: a frozen process cannot die (a v1 SIGKILL waits for the thaw).
  await writeFile(join(dir, FREEZE_FILE[h.kind]), FREEZE_VALUES[h.kind].thawed).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      await rmdir(dir);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      if (code !== 'EBUSY' || Date.now() > deadline) return false;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** mountinfo escapes spaces and the like as \ooo octal */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
