import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttachDemux, frame } from './demux.js';
import { containerSpec, leftoverContainers, CONTAINER_OVERHEAD_MB, LABEL_NODE, LABEL_SANDBOX } from './container-spec.js';
import { nodeLabel, PauseFreezer } from './docker-driver.js';
import { imageTag } from './image.js';
import { engineMessage, engineSocket } from './engine.js';
import { loadConfig } from '../../config.js';

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stream) s += (c as Buffer).toString('utf8');
  return s;
}

test('the attach stream is split into stdout and stderr however its frames are cut across chunks', async () => {
  const wire = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, Buffer.alloc(70_000, 'x')), frame(1, 'world'), frame(2, 'bye')]);
  for (const cut of [1, 3, 7, 8, 9, 4096, wire.length]) {
    const demux = new AttachDemux();
    const out = collect(demux.stdout);
    const err = collect(demux.stderr);
    for (let i = 0; i < wire.length; i += cut) demux.write(wire.subarray(i, i + cut));
    demux.end();
    assert.equal(await out, `hello ${'x'.repeat(70_000)}world`, `stdout with chunks of ${cut}`);
    assert.equal(await err, 'oops\nbye', `stderr with chunks of ${cut}`);
  }
});

test('a stream that is not multiplexed (a TTY container) is an error, not garbage on the channel', async () => {
  const demux = new AttachDemux();
  const failed = new Promise<Error>((resolve) => demux.on('error', resolve));
  demux.write(Buffer.from('{"type":"ready"}\n'));
  assert.match((await failed).message, /not multiplexed/);
});

test('a container spec has no network, a read-only root, no capabilities, nobody, and the function\'s limits', () => {
  const spec = containerSpec({ image: 'skyscale/runtime:abc', kitDir: '/data/kit', memoryMb: 256, runtime: 'runsc', node: 'n1', dataDir: '/data', prestart: 'python', hostCpus: 2 }) as any;
  const h = spec.HostConfig;
  assert.equal(h.NetworkMode, 'none');
  assert.equal(spec.NetworkDisabled, true);
  assert.equal(h.ReadonlyRootfs, true);
  assert.deepEqual(h.CapDrop, ['ALL']);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges']);
  assert.equal(spec.User, '65534:65534');
  assert.equal(h.Runtime, 'runsc');
  assert.equal(h.Memory, (256 + CONTAINER_OVERHEAD_MB) * 1024 * 1024);
  assert.equal(h.MemorySwap, h.Memory, 'no swap beyond the limit');
  assert.equal(h.NanoCpus, 1e9);
  assert.ok(h.PidsLimit > 0);
  assert.match(h.Tmpfs['/tmp'], /size=512m/);
  assert.match(h.Tmpfs['/var/task'], /mode=1777/);
  assert.deepEqual(h.Binds, ['/data/kit:/opt/skyscale:ro']);
  assert.equal(spec.OpenStdin, true);
  assert.equal(spec.Tty, false, 'the attach stream is multiplexed, which demux expects');
  assert.equal(spec.Entrypoint[0], '/opt/skyscale/bin/skyscale-agent');
  assert.deepEqual(spec.Cmd.slice(-2), ['--prestart', 'python']);
  assert.equal(spec.Labels[LABEL_SANDBOX], 'true');
  assert.equal(spec.Labels[LABEL_NODE], 'n1');
  const big = containerSpec({ image: 'i', kitDir: '/k', memoryMb: 4096, runtime: 'runc', node: 'n', dataDir: '/d', hostCpus: 2 }) as any;
  assert.equal(big.HostConfig.NanoCpus, 2e9, 'never above the host\'s CPUs');
  assert.ok(!big.Cmd.includes('--prestart'));
});

test('only this node\'s Skyscale containers that it does not run are leftovers', () => {
  const ours = { [LABEL_SANDBOX]: 'true', [LABEL_NODE]: 'me' };
  const listed: { Id: string; Labels: Record<string, string> | null }[] = [
    { Id: 'a', Labels: ours },
    { Id: 'b', Labels: { [LABEL_SANDBOX]: 'true', [LABEL_NODE]: 'another-node' } },
    { Id: 'c', Labels: { [LABEL_NODE]: 'me' } },
    { Id: 'd', Labels: {} },
    { Id: 'e', Labels: null },
    { Id: 'f', Labels: ours },
  ];
  assert.deepEqual(leftoverContainers(listed, 'me', new Set(['f'])).map((c) => c.Id), ['a']);
});

test('the image is tagged by the root filesystem recipe\'s hash; the node label follows the data directory', () => {
  assert.equal(imageTag('/cache/rootfs/4fa2f84b'), 'skyscale/runtime:4fa2f84b');
  assert.equal(nodeLabel('/a'), nodeLabel('/a'));
  assert.notEqual(nodeLabel('/a'), nodeLabel('/b'));
});

test('pause and unpause run in the order asked; a pause the engine refuses leaves the sandbox unfrozen', async () => {
  const calls: string[] = [];
  let refuse = false;
  const engine = {
    pause: async (id: string) => { calls.push(`pause ${id}`); if (refuse) throw new Error('no'); },
    unpause: async (id: string) => { calls.push(`unpause ${id}`); },
  };
  const f = new PauseFreezer(engine, 'c1');
  const frozen = f.freeze();
  assert.equal(f.frozen, true, 'known at once, without a call');
  const thawed = f.thaw();
  assert.equal(f.frozen, false);
  assert.equal(await frozen, true);
  await thawed;
  assert.deepEqual(calls, ['pause c1', 'unpause c1']);
  refuse = true;
  assert.equal(await f.freeze(), false);
  assert.equal(f.frozen, false);
  await f.thaw();
  assert.deepEqual(calls, ['pause c1', 'unpause c1', 'pause c1'], 'nothing to undo after a refused pause');
});

test('DOCKER_HOST names the engine\'s socket; the engine\'s error messages are read from its JSON', () => {
  assert.deepEqual(engineSocket(''), { socketPath: '/var/run/docker.sock', host: 'unix:///var/run/docker.sock' });
  assert.deepEqual(engineSocket(loadConfig({ SKYSCALE_DATA_DIR: '/tmp/x' }).dockerHost), { socketPath: '/var/run/docker.sock', host: 'unix:///var/run/docker.sock' });
  assert.deepEqual(engineSocket(loadConfig({ DOCKER_HOST: 'unix:///run/x.sock', SKYSCALE_DATA_DIR: '/tmp/x' }).dockerHost), { socketPath: '/run/x.sock', host: 'unix:///run/x.sock' });
  assert.equal(engineSocket('tcp://1.2.3.4:2375').socketPath, null);
  assert.equal(engineMessage('{"message":"No such container: x"}'), 'No such container: x');
  assert.equal(engineMessage('{"error":"bad tar"}'), 'bad tar');
  assert.equal(engineMessage('plain'), 'plain');
});

test('on the docker drivers new functions have no network by default, and outbound cannot be the default', () => {
  assert.equal(loadConfig({ SKYSCALE_SANDBOX: 'docker', SKYSCALE_DATA_DIR: '/tmp/x' }).defaultNetwork, 'none');
  assert.equal(loadConfig({ SKYSCALE_SANDBOX: 'gvisor', SKYSCALE_DATA_DIR: '/tmp/x' }).defaultNetwork, 'outbound');
  assert.throws(() => loadConfig({ SKYSCALE_SANDBOX: 'docker-runsc', SKYSCALE_DEFAULT_NETWORK: 'outbound', SKYSCALE_DATA_DIR: '/tmp/x' }), /cannot be outbound/);
});
