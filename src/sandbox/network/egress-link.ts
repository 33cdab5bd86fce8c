// What a driver does for a sandbox's network when it starts one: nothing for
// network: none (loopback only, as before), else a link from the sandbox network and
// the files that point the sandbox's resolver at the platform's DNS forwarder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SkyscaleError } from '../../errors.js';
import type { SandboxEgress, SandboxSpec } from '../driver.js';
import type { SandboxLink, SandboxNetwork } from './sandbox-network.js';

/** The server's sandbox network, or why there is none (the drivers then refuse network: outbound). */
export type NetworkSupport = { network: SandboxNetwork; problem: null } | { network: null; problem: string };

export interface StartedLink {
  link: SandboxLink;
  /** host files bound read-only over the sandbox's own */
  files: { source: string; destination: string }[];
  egress: SandboxEgress;
}

export async function linkFor(spec: SandboxSpec, support: NetworkSupport, rootfs: string): Promise<StartedLink | null> {
  if (spec.network !== 'outbound') return null;
  if (!support.network) {
    throw new SkyscaleError('SandboxStartFailed', `this server cannot give sandboxes outbound network: ${support.problem}`, {
      hint: 'run scripts/setup.sh as root, or deploy the function with "network": "none" (SKYSCALE_DEFAULT_NETWORK=none for every new function)',
    });
  }
  const link = await support.network.attach().catch((err: Error) => {
    throw new SkyscaleError('SandboxStartFailed', `could not give the sandbox its network: ${err.message}`, { cause: err });
  });
  const etc = support.network.etcDir;
  const files = ['resolv.conf', 'hosts']
    .filter((f) => existsSync(join(rootfs, 'etc', f)))
    .map((f) => ({ source: join(etc, f), destination: `/etc/${f}` }));
  return { link, files, egress: { address: link.address, allow: (entries) => link.allow(entries), restrict: (entries) => link.restrict(entries) } };
}

/** For /healthz and `skyscale info`. */
export function networkFacts(support: NetworkSupport): Record<string, unknown> {
  return support.network ? { outbound: true, ...support.network.describe() } : { outbound: false, problem: support.problem };
}
