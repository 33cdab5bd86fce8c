// Fast in-process tests of the HTTP API: a temp data dir, the real configuration and
// services assembled on the fake driver (sandboxes that answer in memory), the app
// built without listening, requests sent with app.inject(). Needs no root and no port.
// close() stops the app and the services and removes the data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { assemble, type Services } from '../../src/server.js';
import { FakeDriver } from './fake-driver.js';
import { zipFiles } from './zip.js';

export { eventually } from './eventually.js';

export const ADMIN_KEY = 'testadmin.0123456789abcdef0123456789abcdef';

/** A handler that returns its event, as the fake sandboxes do by default. */
export const ECHO_HANDLER = { 'handler.py': 'def handler(event, context):\n    return event\n' };

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  driver: FakeDriver;
  dataDir: string;
  /** Sends a request with the admin key (unless `headers` carry an authorization); an object body goes as JSON. */
  request(method: string, url: string, body?: Buffer | string | object, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Deploys the files with the settings as a new version (one request); returns its number. */
  deploy(name: string, files?: Record<string, string>, settings?: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

/**
 * `env` holds SKYSCALE_* settings over the test defaults (no pre-warmed sandboxes);
 * `onRoute` sees every route as the app registers it; `log` replaces the silent logger;
 * `dashboardDir` serves another dashboard build than build/dashboard.
 */
export async function startTestApp(env: Record<string, string> = {}, opts: { onRoute?: (route: RouteOptions) => void; log?: Logger; dashboardDir?: string } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-api-'));
  const config = loadConfig({ HOME: dataDir, SKYSCALE_DATA_DIR: dataDir, SKYSCALE_ADMIN_KEY: ADMIN_KEY, SKYSCALE_WARM_POOL_SIZE: '0', ...env });
  const driver = new FakeDriver();
  const services = await assemble(config, opts.log ?? pino({ level: process.env.SKYSCALE_TEST_LOG ?? 'silent' }), driver);
  const app = buildApp(services, { timeouts: config, ...(opts.dashboardDir ? { dashboardDir: opts.dashboardDir } : {}) });
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  await app.ready();

  const request: TestApp['request'] = (method, url, body, headers = {}) => {
    const json = body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string';
    return app.inject({
      method: method as 'GET', url,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { payload: json ? JSON.stringify(body) : body } : {}),
    });
  };
  return {
    app, services, driver, dataDir, request,
    async deploy(name, files = ECHO_HANDLER, settings = {}) {
      const res = await request('POST', `/v1/functions/${name}/versions`, await zipFiles(files), {
        'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler', ...settings }),
      });
      if (res.statusCode !== 201) throw new Error(`deploy failed: ${res.statusCode} ${res.body}`);
      return res.json().version.version as number;
    },
    async close() {
      await app.close();
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
