// Runtimes: the names a function may ask for, and which of them this node serves. A
// node serves the runtimes its sandbox image carries (scripts/setup/rootfs.sh writes
// them to /etc/skyscale/runtimes.json in the image: python3.11 and the Node.js builds
// under /opt/node<major>). A Python name the image lacks but whose code its Python
// runs (python3.8, 3.9, 3.10, 3.12) stands in for it: accepted, with a note ("python3.8
// runs on Python 3.11 here") shown at deploy and in `skyscale info`. Any other name is
// refused with the list.

export type RuntimeLanguage = 'python' | 'nodejs';

/** One runtime the sandbox image carries. */
export interface RuntimeInfo {
  /** the name functions ask for: python3.11, nodejs22.x */
  name: string;
  language: RuntimeLanguage;
  /** the interpreter's real version: 3.11.2, 22.23.5 */
  version: string;
}

/** How a name is served: by the runtime itself, or by another standing in for it. */
export interface RuntimeChoice {
  /** the name asked for */
  name: string;
  /** the runtime that runs it */
  runs: RuntimeInfo;
  /** "python3.8 runs on Python 3.11 here" when another runtime stands in */
  note?: string;
}

/** What the image carries when it does not say (an image built before the manifest). */
export const DEFAULT_RUNTIMES: readonly RuntimeInfo[] = [
  { name: 'python3.11', language: 'python', version: '3.11' },
];

/** The runtimes a fresh image built by scripts/setup/rootfs.sh carries (tests, the CLI's local runs). */
export const IMAGE_RUNTIMES: readonly RuntimeInfo[] = [
  { name: 'python3.11', language: 'python', version: '3.11.2' },
  { name: 'nodejs22.x', language: 'nodejs', version: '22.23.5' },
  { name: 'nodejs24.x', language: 'nodejs', version: '24.22.3' },
];

/** Names the image's python3.11 stands in for. */
const PYTHON_STAND_INS: Record<string, string> = {
  'python3.8': 'python3.11', 'python3.9': 'python3.11', 'python3.10': 'python3.11', 'python3.12': 'python3.11',
};

const RUNTIME_NAME = /^(python3\.\d{1,2}|nodejs\d{1,3}\.x)$/;

/** Whether name is shaped like a runtime name (python3.N, nodejsN.x), served or not. */
export function isRuntimeName(name: unknown): name is string {
  return typeof name === 'string' && RUNTIME_NAME.test(name);
}

export function languageOf(name: string): RuntimeLanguage | undefined {
  if (name.startsWith('python3.')) return 'python';
  if (name.startsWith('nodejs')) return 'nodejs';
  return undefined;
}

/**
 * The pre-warmed pool's class of a runtime, as the agent names it (--prestart): every
 * python3.* runs the one Python, "python"; nodejs22.x is "node22".
 */
export function runtimeFamily(name: string): string | undefined {
  if (/^python3\.\d+$/.test(name)) return 'python';
  const node = /^nodejs(\d+)\.x$/.exec(name);
  return node ? `node${node[1]}` : undefined;
}

const LANGUAGE_LABEL: Record<RuntimeLanguage, string> = { python: 'Python', nodejs: 'Node.js' };

/** The runtimes one node serves. */
export class RuntimeSet {
  private readonly byName: Map<string, RuntimeInfo>;

  constructor(readonly runtimes: readonly RuntimeInfo[] = DEFAULT_RUNTIMES) {
    this.byName = new Map(runtimes.map((r) => [r.name, r]));
  }

  /** How name would run here; undefined when this node cannot run it. */
  choose(name: string): RuntimeChoice | undefined {
    const own = this.byName.get(name);
    if (own) return { name, runs: own };
    const standIn = PYTHON_STAND_INS[name];
    const runs = standIn === undefined ? undefined : this.byName.get(standIn);
    if (!runs) return undefined;
    return { name, runs, note: standInNote(name, runs) };
  }

  /** The names this node accepts, its own first, then those it stands in for. */
  accepted(): string[] {
    const standIns = Object.entries(PYTHON_STAND_INS).filter(([, to]) => this.byName.has(to)).map(([from]) => from);
    return [...this.runtimes.map((r) => r.name), ...standIns];
  }

  /** "python3.11, nodejs22.x, nodejs24.x (and python3.8, …, which run on Python 3.11)" */
  describe(): string {
    const own = this.runtimes.map((r) => r.name).join(', ');
    const standIns = Object.entries(PYTHON_STAND_INS).filter(([, to]) => this.byName.has(to));
    if (standIns.length === 0) return own;
    const target = this.byName.get(standIns[0][1]) as RuntimeInfo;
    return `${own} (and ${standIns.map(([from]) => from).join(', ')}, which run on ${label(target)})`;
  }

  /** Why name is refused, for an error message. */
  refusal(name: unknown): string {
    return `runtime ${JSON.stringify(name)} is not available on this node; it has ${this.describe()}`;
  }
}

function label(r: RuntimeInfo): string {
  const version = r.language === 'python' ? r.version.split('.').slice(0, 2).join('.') : r.version;
  return `${LANGUAGE_LABEL[r.language]} ${version}`;
}

function standInNote(name: string, runs: RuntimeInfo): string {
  return `${name} runs on ${label(runs)} here`;
}

/** The note for a stored runtime name (shown in views), assuming the image's Python; undefined for a runtime that runs as itself. */
export function runtimeNote(name: string): string | undefined {
  return PYTHON_STAND_INS[name] ? `${name} runs on Python ${PYTHON_STAND_INS[name].slice('python'.length)} here` : undefined;
}

/**
 * The runtimes from the image's manifest (/etc/skyscale/runtimes.json): a JSON array
 * of {name, language, version}. Entries that do not fit are dropped; undefined when
 * nothing usable is there.
 */
export function parseRuntimeManifest(text: string): RuntimeInfo[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const out: RuntimeInfo[] = [];
  for (const e of parsed as unknown[]) {
    if (e === null || typeof e !== 'object') continue;
    const { name, language, version } = e as Record<string, unknown>;
    if (!isRuntimeName(name) || languageOf(name) !== language || typeof version !== 'string' || !/^\d+(\.\d+)*$/.test(version)) continue;
    out.push({ name, language: language as RuntimeLanguage, version });
  }
  return out.length > 0 ? out : undefined;
}
