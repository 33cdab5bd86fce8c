// GET /v1/functions/{name}/logs/stream: the function's logs live, as server-sent
// events (the events are src/observe/live-logs.ts's). Each stream is a follower of
// the function while its client is connected: when the client goes (or the server
// closes) it stops following and its timer stops, so nothing is left running for it.
// What waits to be sent to one client is bounded: past STREAM_BUFFER_BYTES the client
// is told it was dropped and the stream ends, so a slow reader never makes the server grow.
import type { FastifyPluginAsync } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { LiveLogEvent } from '../../observe/live-logs.js';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';
import { logStream } from './schemas.js';

/** Bytes waiting to be written to one client before it is dropped. */
export const STREAM_BUFFER_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function logStreamRoutes({ registry, liveLogs }: Pick<NativeServices, 'registry' | 'liveLogs'>, opts: { bufferBytes?: number; heartbeatMs?: number } = {}): FastifyPluginAsync {
  const limit = opts.bufferBytes ?? STREAM_BUFFER_BYTES;
  return async (app) => {
    const open = new Set<() => void>();
    // a server that closes ends its streams first (they would hold its close)
    app.addHook('preClose', async () => { for (const stop of [...open]) stop(); });

    app.get<{ Params: { name: string } }>('/functions/:name/logs/stream', { config: needs('functions:read', 'path'), schema: logStream }, async (req, reply) => {
      const { name } = req.params;
      registry.get(name);
      const res: ServerResponse = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff', 'x-request-id': String(req.id),
      });
      let stopped = false;
      const stop = () => {
        if (stopped) return;
        stopped = true;
        unfollow();
        clearInterval(heartbeat);
        open.delete(stop);
        if (!res.writableEnded) res.end();
      };
      const write = (text: string) => {
        if (stopped) return;
        if (res.writableLength > limit) {
          res.write(frame('dropped', { message: `the client read too slowly: more than ${limit} bytes were waiting to be sent; reconnect to follow again` }));
          req.log.info({ function: name }, 'a live log follower was dropped for reading too slowly');
          stop();
          return;
        }
        res.write(text);
      };
      const unfollow = liveLogs.follow(name, { send: (e: LiveLogEvent) => write(frame(e.event, e.data)) });
      const heartbeat = setInterval(() => write(': keep-alive\n\n'), opts.heartbeatMs ?? HEARTBEAT_MS);
      heartbeat.unref();
      open.add(stop);
      res.on('close', stop);
      res.on('error', stop);
      write(frame('ready', { function: name }));
    });
  };
}
