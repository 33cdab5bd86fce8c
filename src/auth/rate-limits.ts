// Per-caller limits, checked before a request's body is read: a token bucket of
// requests per second for each API key and, for public (AuthType NONE) function URLs,
// for each URL and client address; a cap on each key's invocations running at once;
// and a node-wide budget of bytes buffered for requests whose signature can only be
// checked once their body is there (SigV4 without x-amz-content-sha256). Going over a
// limit is RateLimitExceeded (429) with the seconds to wait. A setting of 0 is no limit.
import { SkyscaleError } from '../errors.js';

export interface RateLimitSettings {
  /** requests per second each API key may send (its bucket refills at this rate) */
  keyRequestsPerSecond: number;
  /** the most requests a key may send at once after a quiet spell (the bucket's size) */
  keyBurst: number;
  /** invocations one key may have running at once */
  keyConcurrentInvocations: number;
  /** requests per second to one public function URL from one client address */
  urlRequestsPerSecond: number;
  urlBurst: number;
  /** bytes of request bodies buffered at once, node-wide, before their signature is checked */
  unverifiedBodyBytes: number;
}

/** Buckets kept for public URL callers at most; full (idle) ones are dropped first. */
const MAX_BUCKETS = 100_000;

class TokenBucket {
  constructor(private tokens: number, private last: number) {}

  /** Takes a token: 0, or how many milliseconds until one is there. */
  take(rate: number, burst: number, now: number): number {
    this.refill(rate, burst, now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / rate) * 1000);
  }

  /** A full bucket is the same as none. */
  isFull(rate: number, burst: number, now: number): boolean {
    this.refill(rate, burst, now);
    return this.tokens >= burst;
  }

  private refill(rate: number, burst: number, now: number): void {
    this.tokens = Math.min(burst, this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
  }
}

class Buckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rate: number, private readonly burst: number, private readonly now: () => number) {}

  /** 0, or the milliseconds until `id` may send again. */
  take(id: string): number {
    if (this.rate <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(id);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(now);
      bucket = new TokenBucket(this.burst, now);
      this.buckets.set(id, bucket);
    }
    return bucket.take(this.rate, this.burst, now);
  }

  private sweep(now: number): void {
    for (const [id, b] of this.buckets) if (b.isFull(this.rate, this.burst, now)) this.buckets.delete(id);
    // still full of busy callers: forget the oldest (they start again with a full bucket)
    for (const id of this.buckets.keys()) {
      if (this.buckets.size < MAX_BUCKETS) break;
      this.buckets.delete(id);
    }
  }
}

/** Which limit refused a request: for the metrics (skyscale_rate_limited_total). */
export type RateLimitKind = 'key_rate' | 'url_rate' | 'key_invocations' | 'unverified_bodies';

export class RateLimits {
  private readonly keys: Buckets;
  private readonly urls: Buckets;
  private readonly running = new Map<string, number>();
  private unverified = 0;

  constructor(readonly settings: RateLimitSettings, now: () => number = Date.now, private readonly onRefused: (kind: RateLimitKind) => void = () => {}) {
    this.keys = new Buckets(settings.keyRequestsPerSecond, Math.max(1, settings.keyBurst), now);
    this.urls = new Buckets(settings.urlRequestsPerSecond, Math.max(1, settings.urlBurst), now);
  }

  /** One request by an API key. */
  keyRequest(keyId: string): void {
    const waitMs = this.keys.take(keyId);
    if (waitMs > 0) throw this.refuse('key_rate', `API key "${keyId}" sent more than ${this.settings.keyRequestsPerSecond} requests per second`, waitMs, 'CallerRateLimitExceeded');
  }

  /** One request to a public function URL from a client address. */
  publicUrlRequest(url: string, client: string): void {
    const waitMs = this.urls.take(`${url}\n${client}`);
    if (waitMs > 0) throw this.refuse('url_rate', `more than ${this.settings.urlRequestsPerSecond} requests per second to this function URL from ${client}`, waitMs, 'CallerRateLimitExceeded');
  }

  /** An invocation by a key begins; the function returned ends it (calling it again does nothing). */
  beginInvocation(keyId: string): () => void {
    const limit = this.settings.keyConcurrentInvocations;
    const n = this.running.get(keyId) ?? 0;
    if (limit > 0 && n >= limit) throw this.refuse('key_invocations', `API key "${keyId}" already has ${limit} invocations running`, 1000, 'ConcurrentInvocationLimitExceeded');
    this.running.set(keyId, n + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.running.get(keyId) ?? 1) - 1;
      if (left > 0) this.running.set(keyId, left);
      else this.running.delete(keyId);
    };
  }

  /** Room for a body read before its signature can be checked; the function returned gives it back. */
  reserveUnverifiedBody(bytes: number): () => void {
    const budget = this.settings.unverifiedBodyBytes;
    if (budget > 0 && this.unverified + bytes > budget) {
      throw this.refuse('unverified_bodies', 'too many request bodies are waiting for their signature to be checked; sign with x-amz-content-sha256 to be checked before the body is sent', 1000, 'CallerRateLimitExceeded');
    }
    this.unverified += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.unverified -= bytes;
    };
  }

  private refuse(kind: RateLimitKind, message: string, waitMs: number, reason: string): SkyscaleError {
    this.onRefused(kind);
    return limited(message, waitMs, reason);
  }

  /** Invocations running per key, and bytes held for unchecked signatures (for tests and status). */
  inFlight(): { invocations: Record<string, number>; unverifiedBodyBytes: number } {
    return { invocations: Object.fromEntries(this.running), unverifiedBodyBytes: this.unverified };
  }
}

function limited(message: string, waitMs: number, reason: string): SkyscaleError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new SkyscaleError('RateLimitExceeded', message, { details: { retryAfterSeconds, reason }, hint: `retry after ${retryAfterSeconds} s` });
}
