// Sending a destination record to a webhook under the one egress policy: the host is
// resolved once, every address it resolves to is checked (loopback, link-local with the
// metadata address, the control plane's own addresses and, unless allowed, the private
// ranges are refused), and the connection goes to a checked address (the name is never
// looked up again, so a second answer cannot slip past the check). Redirects are not
// followed: a 3xx is a failed delivery. Used from the control plane, never from a sandbox.
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { parseCidr } from '../model/ip-address.js';
import { EgressPolicy, parseAllowlist, resolveAllowRules, type WalledRange } from '../model/egress-policy.js';

export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** A delivery that did not go through, and whether trying again may help (a refused address will not). */
export class WebhookError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export interface WebhookSender {
  post(url: string, body: string): Promise<void>;
}

/** The host's own addresses: the control plane listens on them, so no webhook may reach them whatever the allowlist says. */
export function hostWalls(): WalledRange[] {
  const walls: WalledRange[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const range = parseCidr(a.family === 'IPv6' ? `${a.address.split('%')[0]}/128` : `${a.address}/32`);
      if (range) walls.push({ range, why: 'an address of this host (the control plane)' });
    }
  }
  return walls;
}

/** The policy webhooks are sent under: the operator's allow entries (names resolved now) and the host's own addresses walled. */
export async function webhookPolicy(allow: string[], resolve: Resolve = systemResolve, walls: WalledRange[] = hostWalls()): Promise<EgressPolicy> {
  const { rules, problems } = parseAllowlist(allow);
  if (problems.length) throw new Error(`webhook allow entries: ${problems.join('; ')}`);
  return new EgressPolicy(await resolveAllowRules(rules, resolve), walls);
}

export class PolicedWebhookSender implements WebhookSender {
  constructor(private readonly o: { policy: EgressPolicy; resolve?: Resolve; timeoutMs: number; userAgent?: string }) {}

  async post(url: string, body: string): Promise<void> {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WebhookError(`${url}: only http and https webhooks are sent to`, false);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    let verdict;
    try {
      verdict = await this.o.policy.checkHost(host, port, this.o.resolve ?? systemResolve);
    } catch (err) {
      throw new WebhookError((err as Error).message, true);
    }
    if (!verdict.allowed) throw new WebhookError(`refused by the egress policy: ${verdict.reason}`, false);
    const address = verdict.addresses[0]!;
    const family = isIP(address);
    const options: RequestOptions & { servername?: string } = {
      method: 'POST', host, port, path: `${u.pathname}${u.search}`,
      // connect to the address checked, never to a second look-up's answer
      lookup: ((_name: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
        opts?.all ? cb(null, [{ address, family }]) : cb(null, address, family)) as unknown as RequestOptions['lookup'],
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': this.o.userAgent ?? 'skyscale-destinations' },
      timeout: this.o.timeoutMs,
      ...(u.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
    };
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    await new Promise<void>((resolve, reject) => {
      const req = send(options, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve();
        if (status >= 300 && status < 400) return reject(new WebhookError(`${url} answered ${status} (to ${String(res.headers.location ?? 'nowhere')}): redirects are not followed`, false));
        reject(new WebhookError(`${url} answered ${status}`, true));
      });
      req.on('timeout', () => req.destroy(new WebhookError(`${url} did not answer within ${this.o.timeoutMs} ms`, true)));
      req.on('error', (err) => reject(err instanceof WebhookError ? err : new WebhookError(`${url}: ${err.message}`, true)));
      req.end(body);
    });
  }
}
