// Finding and loading the handler as Lambda's Node.js runtime does: "dir/file.fn" (or
// "file.obj.fn") names file.js, file.mjs or file.cjs under the task root; .mjs is an ES
// module, .cjs CommonJS, .js either, as the nearest package.json's "type" says.
// Failures become Lambda's init error types.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FaultError } from './errors.mjs';

const EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** {dir, module, path} of a handler string; throws Runtime.MalformedHandlerName. */
export function parseHandler(handler) {
  const slash = handler.lastIndexOf('/');
  const dir = slash >= 0 ? handler.slice(0, slash) : '';
  const base = handler.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new FaultError('Runtime.MalformedHandlerName', `Bad handler ${handler}: the handler is "file.function" (for example index.handler)`);
  }
  return { dir, module: base.slice(0, dot), path: base.slice(dot + 1).split('.') };
}

/** The module file for a handler, or undefined. */
export function findModule(taskRoot, dir, module) {
  const base = resolve(taskRoot, dir, module);
  for (const ext of EXTENSIONS) {
    if (existsSync(base + ext)) return base + ext;
  }
  return undefined;
}

/** Whether file.js is an ES module: the nearest package.json says "type": "module". */
export function isEsmJs(file) {
  let dir = dirname(file);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    const up = dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

async function loadFile(file) {
  if (file.endsWith('.mjs') || (file.endsWith('.js') && isEsmJs(file))) {
    return import(pathToFileURL(file).href);
  }
  return createRequire(file)(file);
}

function syntaxTrace(err) {
  return typeof err.stack === 'string' ? err.stack.split('\n') : [];
}

/** Loads the handler's module and returns the handler function. */
export async function loadHandler(taskRoot, handler) {
  const { dir, module, path } = parseHandler(handler);
  const file = findModule(taskRoot, dir, module);
  const name = dir ? `${dir}/${module}` : module;
  if (!file) {
    throw new FaultError('Runtime.ImportModuleError', `Error: Cannot find module '${name}' (looked for ${EXTENSIONS.map((e) => name + e).join(', ')} in ${taskRoot})`);
  }
  let mod;
  try {
    mod = await loadFile(file);
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new FaultError('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`, syntaxTrace(err));
    }
    if (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new FaultError('Runtime.ImportModuleError', `Error: ${err.message.split('\n')[0]}`, syntaxTrace(err));
    }
    throw err; // an error the module threw while loading: the user's own
  }
  let fn = mod;
  for (const key of path) fn = fn == null ? undefined : fn[key];
  if (fn === undefined && mod?.default != null && path.length > 0) { // CommonJS seen through import()
    fn = mod.default;
    for (const key of path) fn = fn == null ? undefined : fn[key];
  }
  if (fn === undefined) {
    throw new FaultError('Runtime.HandlerNotFound', `${module}.${path.join('.')} is undefined or not exported`);
  }
  if (typeof fn !== 'function') {
    throw new FaultError('Runtime.HandlerNotFound', `${module}.${path.join('.')} is not a function`);
  }
  return fn;
}
