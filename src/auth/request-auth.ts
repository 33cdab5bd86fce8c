// Authenticating a request to the Lambda API or to an AWS_IAM function URL: an AWS
// SigV4 signature (access key id = API key id, secret = its secret), or a Skyscale
// `Authorization: Bearer <id>.<secret>`. Framework-free: the caller hands in the
// request as received, with its body's raw bytes (the signature covers their hash).
import { SkyscaleError } from '../errors.js';
import type { ApiKey, ApiKeys } from './api-keys.js';
import { isSigV4, SigV4Verifier, type SignedRequest } from './sigv4.js';

export type RequestAuthenticator = (req: SignedRequest) => ApiKey;

/** An authenticator for requests signed for `service` (the AWS clients sign for "lambda"). */
export function requestAuthenticator(keys: Pick<ApiKeys, 'authenticate' | 'signingSecret'>, service = 'lambda'): RequestAuthenticator {
  const verifier = new SigV4Verifier(keys, service);
  return (req) => {
    const authorization = req.headers.authorization;
    if (isSigV4(authorization)) return verifier.verify(req);
    if (authorization === undefined) {
      throw new SkyscaleError('Unauthorized', 'the request is not signed', {
        hint: 'sign it with AWS SigV4 (access key id = API key id, secret = its secret), or send Authorization: Bearer <id>.<secret>',
      });
    }
    return keys.authenticate(authorization);
  };
}
