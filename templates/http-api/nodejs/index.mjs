// A small JSON API behind a function URL: the event is a payload 2.0 HTTP request, the
// answer a statusCode, headers and body.
const reply = (statusCode, payload, headers = {}) => ({ statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });

const routes = {
  '/health': { GET: () => reply(200, { ok: true }) },
  '/hello': { GET: (event) => reply(200, { message: `Hello, ${event.queryStringParameters?.name ?? 'world'}!` }) },
  '/echo': {
    POST: (event) => {
      const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
      let parsed;
      try {
        parsed = body ? JSON.parse(body) : null;
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      console.log(`echo ${body.length} bytes`);
      return reply(200, { youSent: parsed });
    },
  },
};

export const handler = async (event) => {
  const method = event.requestContext?.http?.method ?? 'GET';
  const path = event.rawPath ?? '/';
  const route = routes[path];
  if (!route) return reply(404, { error: `no route ${path}` });
  if (!route[method]) return reply(405, { error: `${method} is not allowed on ${path}` }, { allow: Object.keys(route).sort().join(', ') });
  return route[method](event);
};
