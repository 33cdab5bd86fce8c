// The server's dependency build for Node.js functions, run as the handler of a build
// sandbox (src/dependencies/dependency-builder.ts) by the runtime's own node: npm from the
// sandbox image (/opt/npm) runs `npm ci` when the package carries package-lock.json,
// else `npm install --omit=dev`, in a scratch folder; node_modules is packed as a
// tar.gz the control plane then reads back in pieces (an invocation's answer is at
// most 6 MB). Node's standard library only.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, openSync, readSync, closeSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const SCRATCH = '/tmp/skyscale-build';
const OUT = `${SCRATCH}/out`;
const ARCHIVE = `${SCRATCH}/deps.tar.gz`;
const LOG_TAIL = 64 * 1024;

export const handler = async (event, context) => {
  if (event.step === 'read') return readPiece(Number(event.offset), Number(event.length));
  return install(event, context);
};

function readPiece(offset, length) {
  const fd = openSync(ARCHIVE, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, offset);
    return buf.subarray(0, n).toString('base64');
  } finally {
    closeSync(fd);
  }
}

function install(event, context) {
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  copyFileSync('/var/task/package.json', `${OUT}/package.json`);
  const locked = existsSync('/var/task/package-lock.json');
  if (locked) copyFileSync('/var/task/package-lock.json', `${OUT}/package-lock.json`);
  const args = ['/opt/npm/bin/npm-cli.js', locked ? 'ci' : 'install', '--omit=dev', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=warn', '--cache', `${SCRATCH}/npm-cache`];
  if (event.registry) args.push('--registry', event.registry);
  const budgetMs = Math.max(1000, context.getRemainingTimeInMillis() - 5000);
  const said = `$ npm ${locked ? 'ci' : 'install'} --omit=dev\n`;
  const started = Date.now();
  const done = spawnSync(process.execPath, args, {
    cwd: OUT, timeout: budgetMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env, HOME: '/tmp', PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, npm_config_update_notifier: 'false',
      // the server's extra CAs (a TLS-inspecting proxy's, a private registry's), besides node's own
      ...(existsSync('/var/task/skyscale-ca.pem') ? { NODE_EXTRA_CA_CERTS: '/var/task/skyscale-ca.pem' } : {}),
    },
  });
  const out = `${said}${done.stdout?.toString() ?? ''}${done.stderr?.toString() ?? ''}`.slice(-LOG_TAIL);
  console.log(out);
  if (done.error?.code === 'ETIMEDOUT' || (done.signal === 'SIGKILL' && Date.now() - started >= budgetMs - 100)) {
    return { ok: false, timedOut: true, log: out };
  }
  if (done.status !== 0) return { ok: false, exitCode: done.status, log: out || String(done.error ?? '') };
  const modules = `${OUT}/node_modules`;
  if (!existsSync(modules)) mkdirSync(modules);
  const size = treeBytes(modules);
  if (size > Number(event.maxBytes)) return { ok: false, tooLarge: true, bytes: size, log: out };
  const tar = spawnSync('tar', ['-czf', ARCHIVE, '-C', OUT, 'node_modules'], { timeout: Math.max(1000, context.getRemainingTimeInMillis() - 1000) });
  if (tar.status !== 0) return { ok: false, exitCode: tar.status, log: `${out}\npacking node_modules failed: ${tar.stderr?.toString() ?? tar.error}` };
  return { ok: true, bytes: size, archiveBytes: statSync(ARCHIVE).size, log: out };
}

function treeBytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) total += treeBytes(p);
    else if (st.isFile()) total += st.size;
  }
  return total;
}
