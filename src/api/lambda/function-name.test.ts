import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkyscaleError } from '../../errors.js';
import { parseFunctionName, unqualifiedName } from './function-name.js';

test('a name, name:qualifier, a partial ARN and a full ARN all name the function', () => {
  const cases: [string, string | undefined, { name: string; qualifier: string | undefined }][] = [
    ['f', undefined, { name: 'f', qualifier: undefined }],
    ['f:live', undefined, { name: 'f', qualifier: 'live' }],
    ['f:$LATEST', undefined, { name: 'f', qualifier: '$LATEST' }],
    ['123456789012:function:f', undefined, { name: 'f', qualifier: undefined }],
    ['123456789012:function:f:3', undefined, { name: 'f', qualifier: '3' }],
    ['arn:aws:lambda:us-east-1:123456789012:function:f', undefined, { name: 'f', qualifier: undefined }],
    ['arn:aws:lambda:local:000000000000:function:f:live', undefined, { name: 'f', qualifier: 'live' }],
    ['f', 'live', { name: 'f', qualifier: 'live' }],
    ['f:live', 'live', { name: 'f', qualifier: 'live' }],
    ['f', '', { name: 'f', qualifier: undefined }],
  ];
  for (const [raw, query, expected] of cases) assert.deepEqual(parseFunctionName(raw, query), expected, `${raw} ?Qualifier=${query}`);
});

test('ARNs of other services, extra parts and contradicting qualifiers are refused', () => {
  for (const [raw, query] of [['arn:aws:s3:::bucket', undefined], ['arn:aws:lambda:r:1:layer:x', undefined], ['a:b:c', undefined], [':x', undefined], ['f:1', '2']] as const) {
    assert.throws(() => parseFunctionName(raw, query), (e: unknown) => e instanceof SkyscaleError && e.type === 'ValidationError', raw);
  }
});

test('operations that take no qualifier refuse one', () => {
  assert.equal(unqualifiedName('arn:aws:lambda:local:000000000000:function:f'), 'f');
  assert.throws(() => unqualifiedName('f:live'), /unqualified/);
});
