// What the benchmarks share: a keep-alive HTTP client with TCP_NODELAY, latency
// sampling and percentiles.
import http from 'node:http';

export function client(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const post = (url: string, body: string, headers: Record<string, string> = {}) => new Promise<number>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setNoDelay(true);
    req.end(body);
  });
  /** The status and the x-skyscale-request-id header. */
  const postFull = (url: string, body: string, headers: Record<string, string> = {}) => new Promise<{ status: number; requestId: string }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-skyscale-request-id'] ?? '') }));
    });
    req.on('error', reject);
    req.setNoDelay(true);
    req.end(body);
  });
  return { post, postFull, close: () => agent.destroy() };
}

export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** `n` sequential timings of `fn` in ms, sorted. */
export async function latencies(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out.sort((a, b) => a - b);
}
