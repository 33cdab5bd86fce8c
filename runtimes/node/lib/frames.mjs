// The built-in runtime channel's framing (contracts/agent-protocol.md, "Framing"): a
// u32 header length and a u32 body length (big-endian), a JSON header object with a
// string "type", then the raw body.

export const MIN_HEADER = 2;
export const MAX_HEADER = 4 << 20;
export const MAX_BODY = 512 << 20;

export class ProtocolError extends Error {
  name = 'ProtocolError';
}

/** One frame as bytes: prefix, header, body. */
export function encodeFrame(header, body = Buffer.alloc(0)) {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32BE(head.length, 0);
  prefix.writeUInt32BE(body.length, 4);
  return Buffer.concat([prefix, head, body]);
}

/** [header length, body length] from the 8-byte prefix, checked. */
export function parsePrefix(prefix) {
  const headerLen = prefix.readUInt32BE(0);
  const bodyLen = prefix.readUInt32BE(4);
  if (headerLen < MIN_HEADER || headerLen > MAX_HEADER) throw new ProtocolError(`header length ${headerLen} out of range`);
  if (bodyLen > MAX_BODY) throw new ProtocolError(`body length ${bodyLen} out of range`);
  return [headerLen, bodyLen];
}

export function parseHeader(raw) {
  let header;
  try {
    header = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ProtocolError('frame header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header) || typeof header.type !== 'string') {
    throw new ProtocolError('frame header is not a JSON object with a string type');
  }
  return header;
}
