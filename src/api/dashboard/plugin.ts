// The web dashboard at / : the files Vite built from dashboard/ (at setup, into
// build/dashboard), served as they are, with no key: the page is public, and every API
// call it makes carries the key the user signed in with. index.html is served at / and
// revalidated on every load; the files under /assets/ have content hashes in their
// names, so browsers keep them for a year. Every answer carries a strict
// Content-Security-Policy (scripts, styles and connections to this origin only, no
// inline script or style, no framing), so nothing a function returns or prints can run
// in the page even if it were inserted as markup (the page inserts it as text).
// The files are read once, when the app is built; a file that is not there (or a
// dashboard that was not built) is a 404 RouteNotFound in the native shape.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { sendNativeError } from '../error-reply.js';
import { PUBLIC } from '../gate.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile { bytes: Buffer; type: string }

/** The built dashboard in `dir`: index.html and the files of its assets/ folder (none when it was not built). */
export function readDashboard(dir: string): { index: StaticFile | null; assets: Map<string, StaticFile> } {
  const file = (path: string): StaticFile => ({ bytes: readFileSync(path), type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' });
  const index = existsSync(join(dir, 'index.html')) ? file(join(dir, 'index.html')) : null;
  const assets = new Map<string, StaticFile>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) if (statSync(join(assetDir, name)).isFile()) assets.set(name, file(join(assetDir, name)));
  }
  return { index, assets };
}

export function dashboard(dir: string): FastifyPluginAsync {
  const built = readDashboard(dir);
  const send = (reply: FastifyReply, f: StaticFile, cache: string) => reply
    .header('content-type', f.type).header('cache-control', cache)
    .header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer').send(f.bytes);
  const notBuilt = (what: string) => new SkyscaleError('RouteNotFound', `no dashboard file ${what}`, {
    hint: built.index ? 'the dashboard is at /' : 'the dashboard is not built: run npm run build',
  });
  return async (app) => {
    app.setErrorHandler(sendNativeError);
    app.get('/', { config: PUBLIC }, async (_req, reply) => {
      if (!built.index) throw notBuilt('/index.html');
      return send(reply, built.index, 'no-cache');
    });
    app.get<{ Params: { file: string } }>('/assets/:file', { config: PUBLIC }, async (req, reply) => {
      const f = built.assets.get(req.params.file);
      if (!f) throw notBuilt(`/assets/${req.params.file}`);
      return send(reply, f, 'public, max-age=31536000, immutable');
    });
  };
}
