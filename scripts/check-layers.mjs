// The control plane's layering, checked from its import statements (type-only imports
// count): no import circles between files in src/, and none of the arrows between src/
// folders the design rules out (the store importing upward, the pool importing the
// scheduler, the API reaching pools or drivers, the CLI reaching the scheduler, the
// store or the pools). Data flows api -> scheduler -> pool -> sandbox; everything may
// import model/. Run from the repository root: node scripts/check-layers.mjs (exit 0 when it holds).
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';

const ROOT = process.cwd(), SRC = join(ROOT, 'src');
if (!existsSync(SRC)) { console.log('no src/'); process.exit(1); }
const files = [];
(function walk(d) { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else if (/\.tsx?$/.test(n) && !/\.test\.|test-helper/.test(n)) files.push(p); } })(SRC);

// A file's part: its first folder under src/ (files directly in src/ are parts of their own).
const part = (f) => { const r = relative(SRC, f).split('/'); return r.length > 1 ? r[0] : r[0].replace(/\.tsx?$/, ''); };
const edges = new Map(); // "a->b" -> example
const fileEdges = new Map();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/g)) {
    let target = resolve(dirname(f), m[1]).replace(/\.js$/, '.ts');
    if (!existsSync(target) && existsSync(target.replace(/\.ts$/, '/index.ts'))) target = target.replace(/\.ts$/, '/index.ts');
    if (!target.startsWith(SRC)) continue;
    const a = part(f), b = part(target);
    (fileEdges.get(f) || fileEdges.set(f, new Set()).get(f)).add(target);
    if (a !== b && !edges.has(`${a}->${b}`)) edges.set(`${a}->${b}`, `${relative(ROOT, f)} -> ${relative(ROOT, target)}`);
  }
}
const never = [['store', 'registry'], ['store', 'observe'], ['store', 'api'], ['store', 'scheduler'], ['store', 'pool'],
  ['pool', 'scheduler'], ['pool', 'api'], ['sandbox', 'api'], ['sandbox', 'scheduler'], ['sandbox', 'registry'], ['sandbox', 'pool'],
  ['api', 'pool'], ['api', 'sandbox'], ['cli', 'scheduler'], ['cli', 'store'], ['cli', 'pool'], ['registry', 'api'], ['registry', 'scheduler']];
const broken = never.filter(([a, b]) => edges.has(`${a}->${b}`)).map(([a, b]) => `${a}->${b} (${edges.get(`${a}->${b}`)})`);

// Circles between files (strongly connected components of size > 1).
let index = 0; const idx = new Map(), low = new Map(), stack = [], on = new Set(), sccs = [];
function strong(v) {
  idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
  for (const w of fileEdges.get(v) || []) {
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) { const c = []; let w; do { w = stack.pop(); on.delete(w); c.push(w); } while (w !== v); if (c.length > 1) sccs.push(c); }
}
for (const f of files) if (!idx.has(f)) strong(f);
const circles = sccs.map(c => `${c.length} files: ${c.map(f => relative(ROOT, f)).slice(0, 4).join(', ')}${c.length > 4 ? ', …' : ''}`);
const line = `${files.length} source files; forbidden arrows: ${broken.length}${broken.length ? ' [' + broken.join('; ') + ']' : ''}; import circles: ${circles.length}${circles.length ? ' [' + circles.join(' | ') + ']' : ''}`;
console.log(line);
process.exit(broken.length === 0 && circles.length === 0 ? 0 : 1);
