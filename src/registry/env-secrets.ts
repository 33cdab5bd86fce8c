// Secret env values at rest: each is sealed for one variable of one function (the
// pair is bound to the ciphertext, so a sealed value opens nowhere else) with the box
// server.ts hands in (AES-256-GCM under the data directory's master key), and opened
// only to build a sandbox's init request.
import { SkyscaleError } from '../errors.js';
import type { SecretSealer } from '../model/function-config.js';
import type { VersionRecord } from '../model/function.js';

/** Authenticated encryption with a context bound to the ciphertext (a sealed value opens only under the same context). */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  unseal(sealed: string, context: string): string;
}

export class EnvSecrets {
  constructor(private readonly box: SecretBox) {}

  /** Seals (and opens, to measure) the secret values written for `functionName`. */
  sealerFor(functionName: string): SecretSealer {
    return {
      seal: (key, plaintext) => this.box.seal(plaintext, context(functionName, key)),
      open: (key, sealed) => this.box.unseal(sealed, context(functionName, key)),
    };
  }

  /** The plaintext of a version's secret env values, for its sandbox's init request and nothing else. */
  open(version: VersionRecord): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, sealed] of Object.entries(version.secretEnv)) {
      try {
        out[key] = this.box.unseal(sealed, context(version.functionName, key));
      } catch {
        throw new SkyscaleError('InternalError', `the secret env value ${key} of function "${version.functionName}" cannot be decrypted with this data directory's master.key`, {
          hint: 'restore the master.key the value was stored under, or deploy the secret again',
        });
      }
    }
    return out;
  }
}

function context(functionName: string, key: string): string {
  return `env:${functionName}:${key}`;
}
