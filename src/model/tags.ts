// Tags on functions, with Lambda's limits: at most 50 per function, a key of 1 to 128
// characters that does not start with "aws:" (AWS keeps that prefix for itself), a
// value of 0 to 256 characters.
import { SkyscaleError } from '../errors.js';

export const TAG_LIMITS = { perFunction: 50, keyLength: 128, valueLength: 256 } as const;

/** Checks tags to set (none at all refused when `nonEmpty`, as TagResource does); the count is checked by tagsAfter, against the function's existing tags. */
export function validateTags(tags: unknown, opts: { nonEmpty?: boolean } = {}): Record<string, string> {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw invalidTags('Tags must be a map of tag keys to values');
  if (opts.nonEmpty && Object.keys(tags).length === 0) throw invalidTags('An error occurred and the request cannot be processed.');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > TAG_LIMITS.keyLength) throw invalidTags(`Tag key must be between 1 and ${TAG_LIMITS.keyLength} characters: "${key.slice(0, 140)}"`);
    if (key.toLowerCase().startsWith('aws:')) throw invalidTags(`Tag keys starting with 'aws:' are reserved for internal use: "${key}"`);
    if (typeof value !== 'string') throw invalidTags(`Tag value for key "${key}" must be a string`);
    if (value.length > TAG_LIMITS.valueLength) throw invalidTags(`Tag value for key "${key}" must be at most ${TAG_LIMITS.valueLength} characters`);
    out[key] = value;
  }
  return out;
}

/** The tags a function would have with `added` set on `current`; refused over the limit. */
export function tagsAfter(current: Record<string, string>, added: Record<string, string>): Record<string, string> {
  const merged = { ...current, ...added };
  if (Object.keys(merged).length > TAG_LIMITS.perFunction) {
    throw invalidTags('Number of tags exceeds function tag limit.');
  }
  return merged;
}

function invalidTags(message: string): SkyscaleError {
  return new SkyscaleError('ValidationError', message);
}
