// The names the platform gives things, in one place: $LATEST and version numbers,
// function and alias names, ARNs (Lambda's shapes, with a fixed local account and
// region) and the log group and stream an instance reports.

export const LATEST = '$LATEST';
export const ACCOUNT_ID = '000000000000';
export const REGION = 'local';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/skyscale-function`;

const VERSION_NUMBER = /^[1-9][0-9]*$/;
const ALIAS_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** "3" names a published version; "0", "03" and "$LATEST" do not. */
export function isVersionNumber(qualifier: string): boolean {
  return VERSION_NUMBER.test(qualifier);
}

/** An alias name: 1-128 letters, digits, "-" or "_", and not only digits (that would read as a version). */
export function isAliasName(name: unknown): name is string {
  return typeof name === 'string' && ALIAS_NAME.test(name) && !/^[0-9]+$/.test(name);
}

export function functionArn(name: string, qualifier?: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
}

export function logGroupName(functionName: string): string {
  return `/skyscale/functions/${functionName}`;
}

/** `YYYY/MM/DD/[version]<instance>`, as Lambda names an execution environment's stream. */
export function logStreamName(version: number, instanceId: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[${version}]${instanceId.slice(4, 36).replaceAll('-', '')}`;
}
