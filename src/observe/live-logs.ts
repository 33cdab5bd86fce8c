// Live logs: who is following which function's logs, and each running invocation's
// output on its way to them. The invoker opens a tap per invocation only while someone
// follows the function (no one: no tap, no streamed frames, nothing on the invoke path);
// the tap passes on the init log, the agent's `log` chunks as they come and, at the
// end, whatever of the final log was not streamed yet (all of it for a short
// invocation), then the end: id, status, duration. A log the cap cut says so once.
// How a follower is written to (and dropped when it reads too slowly) is its own
// business: src/api/native/log-stream.ts.
import { StringDecoder } from 'node:string_decoder';

export type LiveLogEvent =
  | { event: 'log'; data: { id: string; text: string } }
  | { event: 'cut'; data: { id: string; dropped: number; message: string } }
  | { event: 'end'; data: { id: string; status: string; durationMs: number | null; logTruncated: boolean } };

export interface LiveLogFollower {
  send(e: LiveLogEvent): void;
}

/** An invocation's output as it arrives; every byte is passed on once, in order. */
export interface LiveLogTap {
  /** text before the invocation's own output (the init log of a cold start) */
  text(text: string): void;
  /** output the agent streamed: the invocation log's bytes from `offset`, and how many the cap dropped so far */
  chunk(c: { offset: number; dropped: number; bytes: Buffer }): void;
  /** the invocation ended: `log` is its whole log (after the text given first); what was not streamed is sent, then the end */
  end(log: string, end: { status: string; durationMs: number | null; logTruncated: boolean }): void;
}

export class LiveLogs {
  private readonly followers = new Map<string, Set<LiveLogFollower>>();

  /** Follows a function's invocations from now on; the returned function stops. */
  follow(functionName: string, follower: LiveLogFollower): () => void {
    let set = this.followers.get(functionName);
    if (!set) this.followers.set(functionName, (set = new Set()));
    set.add(follower);
    return () => {
      const s = this.followers.get(functionName);
      if (!s) return;
      s.delete(follower);
      if (s.size === 0) this.followers.delete(functionName);
    };
  }

  /** How many follow a function (or all functions together). */
  count(functionName?: string): number {
    if (functionName !== undefined) return this.followers.get(functionName)?.size ?? 0;
    let n = 0;
    for (const s of this.followers.values()) n += s.size;
    return n;
  }

  /** A tap for one invocation, or null when nobody follows its function. */
  open(functionName: string, id: string): LiveLogTap | null {
    if (!this.followers.has(functionName)) return null;
    const emit = (e: LiveLogEvent) => {
      for (const f of [...(this.followers.get(functionName) ?? [])]) {
        try {
          f.send(e);
        } catch {
          // one follower's failure is not the others' nor the invocation's
        }
      }
    };
    const decoder = new StringDecoder('utf8');
    let before = 0; // bytes of text given before the invocation's own output
    let sent = 0; // bytes of the invocation's output passed on
    let told = 0; // bytes dropped that followers were told of
    let ended = false;
    const say = (text: string) => { if (text) emit({ event: 'log', data: { id, text } }); };
    const cut = (dropped: number) => {
      if (dropped <= told) return;
      if (told === 0) emit({ event: 'cut', data: { id, dropped, message: `the log reached its size limit: ${dropped} bytes dropped so far; the rest is not kept` } });
      told = dropped;
    };
    return {
      text(text) {
        if (ended) return;
        before += Buffer.byteLength(text);
        say(text);
      },
      chunk({ offset, dropped, bytes }) {
        if (ended) return;
        const skip = Math.max(0, sent - offset); // already passed on (never expected, but never twice)
        if (skip < bytes.length) {
          say(decoder.write(bytes.subarray(skip)));
          sent = offset + bytes.length;
        }
        cut(dropped);
      },
      end(log, e) {
        if (ended) return;
        ended = true;
        const whole = Buffer.from(log);
        say(decoder.write(whole.subarray(Math.min(whole.length, before + sent))) + decoder.end());
        emit({ event: 'end', data: { id, ...e } });
      },
    };
  }
}
