// A small Docker Engine API client over its unix socket (DOCKER_HOST=unix://…, else
// /var/run/docker.sock), on node:http: the dozen calls the docker driver makes
// (containers: create, attach, start, wait, kill, pause, unpause, remove, list;
// images: inspect, import, list; ping, info). Kept in the repository rather than taken
// from npm (dockerode): those calls are small, and dockerode brings some fifteen
// packages, ssh2's optional native build among them, to a server that speaks only to a
// local socket. The attach stream is the hijacked HTTP connection itself.
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** The API version asked for: Docker 20.10 (Debian 12's docker.io) and every newer engine speak it. */
const API = '/v1.41';

export class EngineError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
    this.name = 'EngineError';
  }
}

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** The socket a DOCKER_HOST value names (empty: the default one); null when it is not a unix socket. */
export function engineSocket(dockerHost: string | undefined): { socketPath: string | null; host: string } {
  const host = dockerHost?.trim() || DEFAULT_DOCKER_HOST;
  return { socketPath: host.startsWith('unix://') ? host.slice('unix://'.length) : null, host };
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
  State: string;
}

export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  Created: number;
  Size: number;
  Labels: Record<string, string> | null;
}

export class Engine {
  constructor(readonly socketPath: string) {}

  /** One call; the answer's JSON (or null when empty). Non-2xx answers throw EngineError with the engine's message. */
  async call<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const res = await this.send(method, path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)), timeoutMs);
    const text = (await readAll(res)).toString('utf8');
    if ((res.statusCode ?? 0) >= 300) throw new EngineError(engineMessage(text) || `HTTP ${res.statusCode}`, res.statusCode ?? null);
    if (!text) return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T; // _ping answers "OK"
    }
  }

  async ping(): Promise<void> {
    await this.call('GET', '/_ping', undefined, 5_000);
  }

  info(): Promise<{ ServerVersion: string; Runtimes?: Record<string, unknown>; DefaultRuntime?: string }> {
    return this.call('GET', '/info', undefined, 10_000);
  }

  async createContainer(name: string, spec: Record<string, unknown>): Promise<string> {
    const res = await this.call<{ Id: string }>('POST', `/containers/create?name=${encodeURIComponent(name)}`, spec);
    return res.Id;
  }

  /**
   * Attaches to a created container's stdio before it starts (nothing it writes is
   * missed): the engine answers 101 and the connection becomes the stream, stdin one
   * way, stdout and stderr multiplexed (demux.ts) the other.
   */
  attach(id: string, timeoutMs = 30_000): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath, method: 'POST', path: `${API}/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
        headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Type': 'application/json' }, timeout: timeoutMs,
      });
      req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
        socket.setTimeout(0);
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res: IncomingMessage) => {
        void readAll(res).then((b) => reject(new EngineError(`attach refused: ${engineMessage(b.toString('utf8')) || `HTTP ${res.statusCode}`}`, res.statusCode ?? null)));
      });
      req.on('timeout', () => req.destroy(new Error(`the engine did not answer the attach within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  async start(id: string): Promise<void> {
    await this.call('POST', `/containers/${id}/start`);
  }

  /** Resolves with the exit status once the container has stopped (a long poll). */
  async wait(id: string): Promise<number> {
    const res = await this.call<{ StatusCode: number }>('POST', `/containers/${id}/wait`, undefined, 0);
    return res.StatusCode;
  }

  inspect(id: string): Promise<{ State: { Pid: number; Status: string; Paused: boolean; OOMKilled: boolean; ExitCode: number } }> {
    return this.call('GET', `/containers/${id}/json`, undefined, 10_000);
  }

  async pause(id: string): Promise<void> {
    await this.call('POST', `/containers/${id}/pause`, undefined, 10_000);
  }

  async unpause(id: string): Promise<void> {
    await this.call('POST', `/containers/${id}/unpause`, undefined, 10_000);
  }

  async kill(id: string): Promise<void> {
    await this.call('POST', `/containers/${id}/kill?signal=KILL`, undefined, 10_000);
  }

  /** Removes a container, killing it first if it runs; one that is already gone is not an error. */
  async remove(id: string): Promise<void> {
    try {
      await this.call('DELETE', `/containers/${id}?force=1&v=1`, undefined, 30_000);
    } catch (err) {
      if (!(err instanceof EngineError && err.status === 404)) throw err;
    }
  }

  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const filters = JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
    return this.call('GET', `/containers/json?all=1&filters=${encodeURIComponent(filters)}`, undefined, 10_000);
  }

  /** The image's facts, or null when the engine does not have it. */
  async inspectImage(ref: string): Promise<{ Id: string; Created: string; Size: number; Config?: { Labels?: Record<string, string> | null } } | null> {
    try {
      return await this.call('GET', `/images/${encodeURIComponent(ref)}/json`, undefined, 10_000);
    } catch (err) {
      if (err instanceof EngineError && err.status === 404) return null;
      throw err;
    }
  }

  /** Removes an image by tag; one that is not there is not an error. */
  async removeImage(ref: string): Promise<void> {
    try {
      await this.call('DELETE', `/images/${encodeURIComponent(ref)}?force=1`, undefined, 30_000);
    } catch (err) {
      if (!(err instanceof EngineError && err.status === 404)) throw err;
    }
  }

  listImages(label: string): Promise<ImageSummary[]> {
    const filters = JSON.stringify({ label: [label] });
    return this.call('GET', `/images/json?filters=${encodeURIComponent(filters)}`, undefined, 10_000);
  }

  /**
   * `docker import`: an image from a tar stream of a root filesystem, with labels. The
   * engine streams progress as JSON lines; an error in them (or a non-2xx answer) is
   * thrown with the last lines, the build log's tail.
   */
  async importImage(tar: Readable, repo: string, tag: string, labels: Record<string, string>): Promise<void> {
    const changes = Object.entries(labels).map(([k, v]) => `changes=${encodeURIComponent(`LABEL ${k}=${v}`)}`).join('&');
    const path = `/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}&${changes}`;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method: 'POST', path: `${API}${path}`, headers: { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' } }, resolve);
      req.on('error', reject);
      tar.on('error', (err) => req.destroy(err));
      tar.pipe(req);
    });
    const text = (await readAll(res)).toString('utf8');
    const lines = text.split('\n').filter(Boolean);
    const failed = (res.statusCode ?? 0) >= 300 || lines.some((l) => /"error"/.test(l));
    if (failed) throw new EngineError(`the image import failed: ${lines.slice(-5).map(engineMessage).join(' | ') || `HTTP ${res.statusCode}`}`, res.statusCode ?? null);
  }

  private send(method: string, path: string, body: Buffer | undefined, timeoutMs: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath, method, path: path === '/_ping' ? path : `${API}${path}`,
        headers: body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {},
        ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}),
      }, resolve);
      req.on('timeout', () => req.destroy(new Error(`the Docker engine did not answer ${method} ${path.split('?')[0]} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The engine's error message from its JSON answer ({"message": …} or a progress line's "error"), or the text itself. */
export function engineMessage(text: string): string {
  try {
    const v = JSON.parse(text) as { message?: unknown; error?: unknown; status?: unknown };
    return String(v.message ?? v.error ?? v.status ?? text).trim();
  } catch {
    return text.trim();
  }
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
