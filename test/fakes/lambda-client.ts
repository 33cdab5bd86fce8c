// The real AWS SDK (@aws-sdk/client-lambda) against an in-process app: a request
// handler that hands each signed request to app.inject() instead of the network, so
// SigV4, the date prefixes, the wire shapes and the exception names are checked as an
// AWS client sees them, without a port.
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { FastifyInstance } from 'fastify';
import { ADMIN_KEY } from './app.js';

interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

// The SDK's notice that later releases need Node 22 is for users, not for test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export function lambdaClient(app: FastifyInstance, key = ADMIN_KEY): LambdaClient {
  const [accessKeyId, secretAccessKey] = key.split('.') as [string, string];
  const requestHandler = {
    async handle(request: SdkRequest) {
      const res = await app.inject({
        method: request.method as 'GET', url: `${request.path}${queryString(request.query)}`, headers: request.headers,
        ...(request.body !== undefined ? { payload: typeof request.body === 'string' ? request.body : Buffer.from(request.body) } : {}),
      });
      const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      return { response: { statusCode: res.statusCode, headers, body: new Uint8Array(res.rawPayload) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return new LambdaClient({ endpoint: 'http://localhost', region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, requestHandler });
}

function queryString(query: SdkRequest['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const value of Array.isArray(v) ? v : [v]) parts.push(value === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
