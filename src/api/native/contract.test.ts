// contracts/openapi.yaml (served at /v1/openapi.yaml) and the native API's routes are
// checked against each other: every native route the app serves is in the contract
// with the same method and path and every operation of the contract is served; path
// and query parameters have the same names (and query values the same types); a JSON
// request body has the same required fields and the same field types, and a body the
// contract leaves open (an event, a package) is taken raw by the route; each operation
// names the permission its route declares.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RouteOptions } from 'fastify';
import { parse } from 'yaml';
import { repoPath } from '../../paths.js';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';

/** A JSON schema as far as this check reads it. */
interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
}

interface Parameter { $ref?: string; name: string; in: string; schema?: Schema }
interface Operation { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema?: Schema }> }; 'x-skyscale-permission'?: string }
type PathItem = Record<string, Operation> & { parameters?: Parameter[] };
interface Contract { paths: Record<string, PathItem>; components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter> } }

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const contract = parse(readFileSync(repoPath('contracts/openapi.yaml'), 'utf8')) as Contract;
const routes: RouteOptions[] = [];
let t: TestApp;
before(async () => { t = await startTestApp({}, { onRoute: (r) => routes.push(r) }); });
after(async () => { await t?.close(); });

/** The native routes the app serves, as "METHOD /path/{param}". */
function nativeRoutes(): Map<string, RouteOptions> {
  const out = new Map<string, RouteOptions>();
  for (const r of routes) {
    if (!(r.url === '/healthz' || r.url.startsWith('/v1/'))) continue;
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue;
      out.set(`${method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`, r);
    }
  }
  return out;
}

function contractOperations(): Map<string, { path: string; item: PathItem; op: Operation }> {
  const out = new Map<string, { path: string; item: PathItem; op: Operation }>();
  for (const [path, item] of Object.entries(contract.paths)) {
    for (const method of METHODS) if (item[method]) out.set(`${method.toUpperCase()} ${path}`, { path, item, op: item[method]! });
  }
  return out;
}

function resolve<T extends { $ref?: string }>(x: T): T {
  if (!x.$ref) return x;
  const [, , kind, name] = x.$ref.split('/');
  return resolve((contract.components as unknown as Record<string, Record<string, T>>)[kind!]![name!]!);
}

/** An object schema reduced to what both sides must agree on: required fields and each field's type. */
function shape(schema: Schema): { required: string[]; types: Record<string, string> } {
  const required = new Set<string>();
  const types: Record<string, string> = {};
  const walk = (s: Schema) => {
    const r = resolve(s);
    for (const part of r.allOf ?? []) walk(part);
    for (const f of r.required ?? []) required.add(f);
    for (const [name, p] of Object.entries(r.properties ?? {})) types[name] = typeOf(resolve(p));
  };
  walk(schema);
  return { required: [...required].sort(), types };
}

function typeOf(s: Schema): string {
  const values = typeof s.additionalProperties === 'object' ? `<${typeOf(resolve(s.additionalProperties))}>` : '';
  return `${s.type ?? 'any'}${values}`;
}

function parameters(item: PathItem, op: Operation, where: 'path' | 'query'): Record<string, string> {
  const all = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve).filter((p) => p.in === where);
  return Object.fromEntries(all.map((p) => [p.name, typeOf(p.schema ?? {})]));
}

function routeSchema(r: RouteOptions): { params?: Schema; querystring?: Schema; body?: Schema } {
  return (r.schema ?? {}) as { params?: Schema; querystring?: Schema; body?: Schema };
}

test('every native route is in the contract with the same method and path, and every operation of the contract is served', () => {
  const served = [...nativeRoutes().keys()].sort();
  const described = [...contractOperations().keys()].sort();
  assert.ok(served.length > 15, `the app's routes were collected (${served.length})`);
  assert.deepEqual(served.filter((k) => !described.includes(k)), [], 'routes missing from contracts/openapi.yaml');
  assert.deepEqual(described.filter((k) => !served.includes(k)), [], 'operations of contracts/openapi.yaml the app does not serve');
});

test('path and query parameters agree', () => {
  const served = nativeRoutes();
  for (const [key, { item, op }] of contractOperations()) {
    const r = served.get(key)!;
    const pathNames = [...key.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!).sort();
    assert.deepEqual(Object.keys(parameters(item, op, 'path')).sort(), pathNames, `${key}: the contract's path parameters`);
    const declared = routeSchema(r).params;
    if (pathNames.length) assert.deepEqual(Object.keys(shape(declared ?? {}).types).sort(), pathNames, `${key}: the route's params schema`);
    const query = routeSchema(r).querystring;
    assert.deepEqual(query ? shape(query).types : {}, parameters(item, op, 'query'), `${key}: query parameters and their types`);
  }
});

test('JSON request bodies have the same required fields and field types; open bodies are taken raw', () => {
  const served = nativeRoutes();
  let compared = 0;
  for (const [key, { op }] of contractOperations()) {
    const declared = routeSchema(served.get(key)!).body;
    const json = op.requestBody?.content['application/json']?.schema;
    const object = json !== undefined && Object.keys(shape(json).types).length > 0;
    if (!object) {
      assert.equal(declared, undefined, `${key}: the contract leaves the body open, so the route must take it raw`);
      continue;
    }
    assert.ok(declared, `${key}: the contract describes a JSON body; the route must declare its schema`);
    assert.deepEqual(shape(declared), shape(json), `${key}: required fields and field types`);
    compared++;
  }
  assert.equal(compared, 8, 'create, configure, roll back, set an alias, create a key, create a schedule, pause or resume one, redrive dead letters');
});

test('each operation names the permission its route declares (x-skyscale-permission)', () => {
  const served = nativeRoutes();
  for (const [key, { op }] of contractOperations()) {
    assert.equal(op['x-skyscale-permission'], served.get(key)!.config?.access?.permission, key);
  }
});
