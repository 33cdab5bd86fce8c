// The FunctionName forms the Lambda API accepts in a path or a body: `name`,
// `name:qualifier`, a partial ARN `123456789012:function:name[:qualifier]` or a full
// ARN `arn:aws:lambda:region:account:function:name[:qualifier]`, reconciled with a
// `?Qualifier=` (AWS refuses the two when they disagree).
import { invalid } from './shapes.js';

export function parseFunctionName(raw: string, queryQualifier?: string): { name: string; qualifier: string | undefined } {
  let parts = raw.split(':');
  if (parts[0] === 'arn') {
    if (parts.length < 7 || parts[2] !== 'lambda' || parts[5] !== 'function') throw invalid(`"${raw}" is not a Lambda function ARN`);
    parts = parts.slice(6);
  } else if (parts.length >= 3 && parts[1] === 'function') {
    parts = parts.slice(2);
  }
  if (parts.length > 2 || !parts[0]) throw invalid(`"${raw}" is not a function name, name:qualifier or function ARN`);
  const fromName = parts[1];
  const fromQuery = queryQualifier === '' ? undefined : queryQualifier;
  if (fromName !== undefined && fromQuery !== undefined && fromName !== fromQuery) {
    throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
  }
  return { name: parts[0], qualifier: fromName ?? fromQuery };
}

/** The name of an operation that takes no qualifier (UpdateFunctionCode, PublishVersion, aliases …). */
export function unqualifiedName(raw: string): string {
  const { name, qualifier } = parseFunctionName(raw);
  if (qualifier !== undefined) throw invalid(`this operation takes an unqualified function name (got "${raw}")`);
  return name;
}
