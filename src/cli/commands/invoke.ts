// skyscale invoke --name N --payload JSON: runs the function and prints its result.
// A handler error prints the error and exits 1; --tail also prints the log. --async
// queues the event instead (durably, with retries) and prints its request id, which
// `skyscale invocation ID` follows.
import { NAME_OPTION, PAYLOAD_OPTIONS, formatPayload, readPayload, requireName, type Command } from '../command.js';

export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'invoke a deployed function and print its result',
  usage: "skyscale invoke --name NAME [--payload '{...}' | --payload-file F | --payload -] [--version N] [--tail | --async]",
  options: { ...NAME_OPTION, ...PAYLOAD_OPTIONS, version: { type: 'string' }, tail: { type: 'boolean' }, async: { type: 'boolean' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const payload = await readPayload(values, ctx);
    const query = values.version ? `?version=${encodeURIComponent(values.version as string)}` : '';
    if (values.async) {
      const path = `/v1/functions/${encodeURIComponent(name)}/invocations${query}${query ? '&' : '?'}async=true`;
      const { requestId } = await ctx.client().json<{ requestId: string; state: string }>('POST', path, payload);
      if (ctx.json) ctx.out(JSON.stringify({ requestId, state: 'queued' }));
      else {
        ctx.out(requestId);
        ctx.err(`(queued; follow it with \`skyscale invocation ${requestId}\`)`);
      }
      return 0;
    }
    const res = await ctx.client().request('POST', `/v1/functions/${encodeURIComponent(name)}/invocations${query}`, payload, { 'x-skyscale-log-type': 'Tail' });
    const h = (k: string) => res.headers.get(k);
    const failed = h('x-skyscale-function-error') !== null;
    const log = Buffer.from(h('x-skyscale-log-result') ?? '', 'base64').toString('utf8');
    if (ctx.json) {
      let parsed: unknown = res.body.toString('utf8');
      try { parsed = JSON.parse(parsed as string); } catch { /* keep the text */ }
      ctx.out(JSON.stringify({
        requestId: h('x-skyscale-request-id'), version: Number(h('x-skyscale-executed-version')), status: h('x-skyscale-status'),
        cold: h('x-skyscale-cold-start') === 'true', durationMs: Number(h('x-skyscale-duration-ms') ?? NaN), functionError: h('x-skyscale-function-error'),
        payload: parsed, ...(values.tail ? { log } : {}),
      }));
      return failed ? 1 : 0;
    }
    if (values.tail && log) ctx.err(log.trimEnd());
    if (failed) {
      let err: { errorType?: string; errorMessage?: string } = {};
      try { err = JSON.parse(res.body.toString('utf8')) as typeof err; } catch { /* not JSON */ }
      ctx.err(`error: the function failed: ${err.errorType ?? 'Unhandled'}: ${err.errorMessage ?? res.body.toString('utf8')}`);
      ctx.err(`  request ${h('x-skyscale-request-id')} — see \`skyscale logs --name ${name}\``);
      ctx.out(formatPayload(res.body));
      return 1;
    }
    ctx.out(formatPayload(res.body));
    const start = h('x-skyscale-cold-start') === 'true' ? `cold start, init ${Number(h('x-skyscale-init-ms')).toFixed(1)} ms` : 'warm';
    ctx.err(`(${start}, ran ${Number(h('x-skyscale-duration-ms')).toFixed(2)} ms, version ${h('x-skyscale-executed-version')}, request ${h('x-skyscale-request-id')})`);
    return 0;
  },
};
