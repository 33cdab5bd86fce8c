// The docker drivers' own promises, on a real engine (docker, or docker-runsc when
// SKYSCALE_TEST_SANDBOX says so): the image is tagged by the root filesystem recipe's
// hash and listed; idle sandboxes are paused by the engine and unpaused for a call;
// containers a crashed run left are removed at start, and only this node's; an engine
// that does not answer is a clear error at start; a stopped server leaves no container.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { SkyscaleError } from '../src/errors.js';
import { containerSpec, LABEL_NODE, LABEL_SANDBOX } from '../src/sandbox/docker/container-spec.js';
import { DockerDriver, nodeLabel } from '../src/sandbox/docker/docker-driver.js';
import { ensureImage } from '../src/sandbox/docker/image.js';
import { Engine, engineSocket } from '../src/sandbox/docker/engine.js';
import { createDriver } from '../src/sandbox/factory.js';
import { eventually, startTestServer, testSandbox, type TestServer } from './harness.js';

const sandbox = testSandbox() === 'docker-runsc' ? 'docker-runsc' : 'docker';
const engine = new Engine(engineSocket(process.env.DOCKER_HOST).socketPath!);
let s: TestServer;
before(async () => { s = await startTestServer({ SKYSCALE_SANDBOX: sandbox, SKYSCALE_FREEZE_AFTER_MS: '200' }); });
after(async () => { await s?.stop(); });

const HELLO = 'def handler(event, context):\n    return "hello"\n';

test('the runtime image is tagged by the root filesystem recipe\'s hash and listed by GET /v1/images', async () => {
  const rootfs = realpathSync(loadConfig(process.env).rootfs);
  const tag = `skyscale/runtime:${basename(rootfs)}`;
  assert.equal(s.driver.describe().image, tag);
  const res = (await s.api('GET', '/v1/images')).json();
  assert.equal(res.driver, sandbox);
  const image = res.images.find((i: { tag: string }) => i.tag === tag);
  assert.ok(image, `${tag} is listed`);
  assert.ok(image.sizeBytes > 10 * 1024 * 1024);
  assert.ok(image.runtimes.includes(sandbox === 'docker' ? 'runc' : 'runsc'));
});

test('GET /v1/pool says which drivers this node could run, and why not', async () => {
  const pool = (await s.api('GET', '/v1/pool')).json();
  assert.deepEqual(pool.drivers[sandbox], { available: true, reason: null });
  assert.deepEqual(Object.keys(pool.drivers).sort(), ['docker', 'docker-runsc', 'gvisor', 'namespace', 'process']);
  for (const d of Object.values(pool.drivers) as { available: boolean; reason: string | null }[]) assert.ok(d.available || d.reason, 'a driver that is not available says why');
  assert.equal(pool.sandbox.runtime, sandbox === 'docker' ? 'runc' : 'runsc');
});

test('an idle sandbox is paused by the engine and unpaused for the next call (docker); never paused under runsc', async () => {
  await s.deploy('idler', { 'handler.py': HELLO }, { network: 'none' });
  assert.equal((await s.invoke('idler')).json(), 'hello');
  if (sandbox === 'docker-runsc') {
    // the engine's pause through runsc leaves the sentry running and cannot be undone once the sandbox dies
    const pool = (await s.api('GET', '/v1/pool')).json();
    assert.equal(pool.freeze.method, null);
    assert.equal(s.driver.capabilities.freeze, null);
    const id = pool.instances.find((i: { function: string }) => i.function === 'idler').id as string;
    assert.equal((await engine.inspect(`skyscale-${id}`)).State.Paused, false);
    return;
  }
  const id = await eventually(async () => {
    const pool = (await s.api('GET', '/v1/pool')).json().instances as { id: string; function: string; frozen: boolean }[];
    return pool.find((i) => i.function === 'idler' && i.frozen)?.id;
  }, 'the idle instance frozen');
  assert.equal((await engine.inspect(`skyscale-${id}`)).State.Paused, true, 'the engine has the container paused');
  assert.equal((await s.invoke('idler')).json(), 'hello');
  assert.equal((await engine.inspect(`skyscale-${id}`)).State.Paused, false, 'unpaused for the call');
});

test('a function asking for outbound network is refused on this driver, naming why', async () => {
  await s.deploy('outbound', { 'handler.py': HELLO }, { network: 'outbound' });
  const res = await s.invoke('outbound');
  assert.equal(res.status, 502);
  assert.equal(res.json().error.type, 'SandboxStartFailed');
  assert.match(res.json().error.message, /no outbound network/);
});

test('containers a crashed run left are removed by the sweep every start runs: this node\'s only, never another\'s or one that is not Skyscale\'s', async () => {
  const driver = s.driver as DockerDriver;
  const image = s.driver.describe().image as string;
  const make = async (name: string, labels: Record<string, string>) => {
    const spec = containerSpec({ image, kitDir: `${s.dataDir}/kit`, memoryMb: 128, runtime: 'runc', node: 'x', dataDir: s.dataDir, hostCpus: 1 }) as { Labels: Record<string, string> };
    spec.Labels = labels;
    const id = await engine.createContainer(`${name}-${Date.now()}`, spec);
    return id;
  };
  const ours = await make('skyscale-leftover', { [LABEL_SANDBOX]: 'true', [LABEL_NODE]: nodeLabel(s.dataDir) });
  const otherNode = await make('skyscale-other-node', { [LABEL_SANDBOX]: 'true', [LABEL_NODE]: nodeLabel('/another/node') });
  const notOurs = await make('not-skyscale', { [LABEL_NODE]: nodeLabel(s.dataDir) });
  try {
    assert.equal(await driver.removeLeftovers(), 1);
    await assert.rejects(engine.inspect(ours), /No such container/);
    assert.equal((await engine.inspect(otherNode)).State.Status, 'created', 'another node\'s container is left alone');
    assert.equal((await engine.inspect(notOurs)).State.Status, 'created', 'a container that is not a Skyscale sandbox is left alone');
    assert.equal((await s.invoke('idler')).json(), 'hello', 'the node\'s own sandboxes are untouched');
  } finally {
    await engine.remove(otherNode);
    await engine.remove(notOurs);
  }
});

test('an engine that does not answer is a clear error at start, naming DOCKER_HOST and how to start one', async () => {
  const config = loadConfig({ ...process.env, SKYSCALE_DATA_DIR: s.dataDir, SKYSCALE_SANDBOX: sandbox, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  await assert.rejects(createDriver(config, pino({ level: 'silent' })), (err: unknown) => {
    assert.ok(err instanceof SkyscaleError);
    assert.equal(err.type, 'SandboxEngineUnavailable');
    assert.match(err.message, /unix:\/\/\/nonexistent\/docker\.sock \(DOCKER_HOST\)/);
    assert.match(err.hint ?? '', /scripts\/setup\.sh/);
    return true;
  });
});

test('an image that cannot be built is SandboxImageBuildFailed with the log\'s tail, and leaves no image', async () => {
  const missing = `/nonexistent/rootfs-${Date.now()}`;
  await assert.rejects(ensureImage(engine, missing, pino({ level: 'silent' })), (err: unknown) => {
    assert.ok(err instanceof SkyscaleError);
    assert.equal(err.type, 'SandboxImageBuildFailed');
    assert.match(err.message, /skyscale\/runtime:rootfs-\d+/);
    assert.match(err.message, /tar: .*nonexistent/);
    return true;
  });
  assert.equal(await engine.inspectImage(`skyscale/runtime:${basename(missing)}`), null);
});

test('a stopped server leaves no container of its node behind', async () => {
  const t = await startTestServer({ SKYSCALE_SANDBOX: sandbox });
  await t.deploy('brief', { 'handler.py': HELLO }, { network: 'none' });
  assert.equal((await t.invoke('brief')).json(), 'hello');
  const node = nodeLabel(t.dataDir);
  assert.ok((await engine.listContainers({ [LABEL_NODE]: node })).length > 0, 'it had containers');
  await t.stop();
  assert.deepEqual(await engine.listContainers({ [LABEL_NODE]: node }), []);
});
