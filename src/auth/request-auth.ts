// Authenticating a request to the Lambda API or to an AWS_IAM function URL from its
// headers: an AWS SigV4 signature (access key id = API key id, secret = its secret),
// or a Skyscale `Authorization: Bearer <id>.<secret>`. Framework-free. A Bearer key is
// checked whole from the header; a signature as far as the headers allow, with the
// rest (its body hash) left to `finish` once the body is read.
import { SkyscaleError } from '../errors.js';
import type { ApiKeys } from './api-keys.js';
import { isSigV4, SigV4Verifier, type Authentication, type RequestHead } from './sigv4.js';

export type { Authentication, RequestHead } from './sigv4.js';

export type RequestAuthenticator = (req: RequestHead) => Authentication;

/** An authenticator for requests signed for `service` (the AWS clients sign for "lambda"). */
export function requestAuthenticator(keys: Pick<ApiKeys, 'authenticate' | 'signingSecret'>, service = 'lambda'): RequestAuthenticator {
  const verifier = new SigV4Verifier(keys, service);
  return (req) => {
    const authorization = req.headers.authorization;
    if (isSigV4(authorization)) return verifier.begin(req);
    if (authorization === undefined) {
      throw new SkyscaleError('Unauthorized', 'the request is not signed', {
        hint: 'sign it with AWS SigV4 (access key id = API key id, secret = its secret), or send Authorization: Bearer <id>.<secret>',
      });
    }
    return { key: keys.authenticate(authorization), finish: null };
  };
}

/** A Bearer-only authenticator (the native API). */
export function bearerAuthenticator(keys: Pick<ApiKeys, 'authenticate'>): RequestAuthenticator {
  return (req) => ({ key: keys.authenticate(req.headers.authorization), finish: null });
}
