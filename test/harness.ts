// Integration-test harness: a real server on a free port with a temp data dir and a
// real sandbox driver (gVisor unless SKYSCALE_TEST_SANDBOX says otherwise), plus small
// helpers to deploy functions from inline files. Every server is closed, and its
// sandboxes stopped, by the test that started it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig, type SandboxChoice } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { zipFiles } from './fakes/zip.js';

export { zipFiles };
export { eventually } from './fakes/eventually.js';

export const ADMIN_KEY = 'testadmin.0123456789abcdef0123456789abcdef';

export interface TestServer extends RunningServer {
  dataDir: string;
  api(method: string, path: string, body?: Buffer | string | object, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Buffer; json: () => any }>;
  deploy(name: string, files: Record<string, string>, settings?: Record<string, unknown>): Promise<number>;
  invoke(name: string, event?: unknown, query?: string): Promise<{ status: number; headers: Headers; body: Buffer; json: () => any }>;
  stop(): Promise<void>;
}

export function testSandbox(): SandboxChoice {
  return (process.env.SKYSCALE_TEST_SANDBOX as SandboxChoice | undefined) ?? 'gvisor';
}

export async function startTestServer(extraEnv: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-it-'));
  const config = loadConfig({ ...process.env, SKYSCALE_DATA_DIR: dataDir, SKYSCALE_PORT: '0', SKYSCALE_SANDBOX: testSandbox(), SKYSCALE_ADMIN_KEY: ADMIN_KEY, SKYSCALE_WARM_POOL_SIZE: '1', ...extraEnv });
  const server = await startServer(config, pino({ level: process.env.SKYSCALE_TEST_LOG ?? 'silent' }));
  const api: TestServer['api'] = async (method, path, body, headers = {}) => {
    const payload = body === undefined || typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
    const res = await fetch(`${server.url}${path}`, {
      method, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers }, ...(payload !== undefined ? { body: payload } : {}),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body: bytes, json: () => JSON.parse(bytes.toString('utf8')) };
  };
  return {
    ...server,
    dataDir,
    api,
    async deploy(name, files, settings = {}) {
      const res = await api('POST', `/v1/functions/${name}/versions`, await zipFiles(files), {
        'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler', ...settings }),
      });
      if (res.status !== 201) throw new Error(`deploy failed: ${res.status} ${res.body}`);
      return res.json().version.version as number;
    },
    invoke(name, event = {}, query = '') {
      return api('POST', `/v1/functions/${name}/invocations${query}`, JSON.stringify(event), { 'content-type': 'application/json' });
    },
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
