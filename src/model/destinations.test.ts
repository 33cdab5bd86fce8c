// Destinations as written (a function name or ARN, or a webhook URL), the config
// skyscale.json's "async" makes, and Lambda's destination record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { destinationConfigOf, destinationRecord, destinationTargets, parseDestination } from './destinations.js';

test('a destination is a function name or ARN (with a qualifier) or an http(s) URL; anything else is named as the problem', () => {
  assert.deepEqual(parseDestination('audit'), { kind: 'function', name: 'audit', qualifier: null });
  assert.deepEqual(parseDestination('arn:aws:lambda:us-east-1:123456789012:function:audit:live'), { kind: 'function', name: 'audit', qualifier: 'live' });
  assert.deepEqual(parseDestination('arn:aws:lambda:local:000000000000:function:audit:$LATEST'), { kind: 'function', name: 'audit', qualifier: null });
  assert.deepEqual(parseDestination('https://hooks.example.com/x?y=1'), { kind: 'webhook', url: 'https://hooks.example.com/x?y=1' });
  assert.match(parseDestination('arn:aws:sns:us-east-1:123456789012:topic') as string, /only function ARNs and http\(s\):\/\/ URLs/);
  assert.match(parseDestination('https://user:pw@hooks.example.com/') as string, /must not carry credentials/);
  assert.match(parseDestination('ftp://x') as string, /is not a function name/);
  assert.match(parseDestination('') as string, /must be a function name/);
});

test('"async" onSuccess and onFailure make a DestinationConfig; one left out keeps its value, "" clears it', () => {
  const both = destinationConfigOf('sink', 'https://h.example/f', null);
  assert.deepEqual(both, { OnSuccess: { Destination: 'sink' }, OnFailure: { Destination: 'https://h.example/f' } });
  assert.deepEqual(destinationTargets(both), { onSuccess: 'sink', onFailure: 'https://h.example/f' });
  assert.deepEqual(destinationConfigOf(undefined, '', both), { OnSuccess: { Destination: 'sink' } });
  assert.equal(destinationConfigOf('', undefined, { OnSuccess: { Destination: 'sink' } }), null);
});

test("the record has Lambda's fields in Lambda's order; an event that never ran has no response", () => {
  const ran = destinationRecord({
    requestId: 'r1', functionName: 'f', qualifier: 'live', condition: 'RetriesExhausted', invokeCount: 3, payload: Buffer.from('{"a":1}'), timestamp: '2026-12-02T00:00:00.000Z',
    response: { executedVersion: '4', functionError: 'Unhandled', payload: Buffer.from('{"errorMessage":"x","errorType":"E"}') },
  });
  assert.deepEqual(ran, {
    version: '1.0', timestamp: '2026-12-02T00:00:00.000Z',
    requestContext: { requestId: 'r1', functionArn: 'arn:aws:lambda:local:000000000000:function:f:live', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload: { a: 1 },
    responseContext: { statusCode: 200, executedVersion: '4', functionError: 'Unhandled' },
    responsePayload: { errorMessage: 'x', errorType: 'E' },
  });
  const expired = destinationRecord({ requestId: 'r2', functionName: 'f', qualifier: null, condition: 'EventAgeExceeded', invokeCount: 0, payload: Buffer.from('not json'), timestamp: 't', response: null });
  assert.equal(expired.requestPayload, 'not json');
  assert.deepEqual(expired.responseContext, { statusCode: 0, executedVersion: '$LATEST' });
  assert.equal(expired.responsePayload, null);
});
