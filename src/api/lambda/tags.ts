// Lambda API 2017-03-31: tags on functions (TagResource, UntagResource, ListTags), by
// the function's ARN. Tags belong to the function, not to its versions or aliases, so
// a qualified ARN is refused.
import type { FastifyInstance } from 'fastify';
import type { LambdaServices } from '../deps.js';
import { needs } from '../gate.js';
import { parseFunctionName } from './function-name.js';
import { listTags, tagResource, untagResource, type TagResourceBody } from './schemas.js';
import { invalid } from './shapes.js';

type ByArn = { Params: { Resource: string } };

function functionOf(arn: string): string {
  const { name, qualifier } = parseFunctionName(arn);
  if (qualifier !== undefined) {
    throw invalid('Tagging operations are permitted on Lambda functions only. Tags on aliases and versions are not supported. Please specify either a function name or a function ARN.');
  }
  return name;
}

export function lambdaTagRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  app.get<ByArn>('/tags/:Resource', { config: needs('functions:read', 'path'), schema: listTags }, async (req) =>
    ({ Tags: registry.tags.get(functionOf(req.params.Resource)) }));

  app.post<ByArn & { Body: TagResourceBody }>('/tags/:Resource', { config: needs('functions:write', 'path', 'tags.tag'), schema: tagResource }, async (req, reply) => {
    await registry.tags.set(functionOf(req.params.Resource), req.body.Tags);
    return reply.status(204).send();
  });

  app.delete<ByArn & { Querystring: { tagKeys: string | string[] } }>('/tags/:Resource', { config: needs('functions:write', 'path', 'tags.untag'), schema: untagResource }, async (req, reply) => {
    const keys = Array.isArray(req.query.tagKeys) ? req.query.tagKeys : [req.query.tagKeys];
    await registry.tags.remove(functionOf(req.params.Resource), keys);
    return reply.status(204).send();
  });
}
