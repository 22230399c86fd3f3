/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** The value when it is a JSON object (not null, not an array). */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** The value when it is a non-empty string. */
export function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The value as a boolean when it is one, or the strings `true`/`false` as logged by older records. */
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** Whether every character of `text` is ASCII (one byte of UTF-8, one code unit, each). */
export function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

/**
 * A field of an object by name, falling back to a case-insensitive match: some published records
 * carry `principalid` or `sessioncontext`.
 */
export function field(object: JsonObject | undefined, name: string): unknown {
  if (!object) return undefined;
  if (name in object) return object[name];
  // Most lookups that get here are of a field the record does not have, and they are asked of
  // every record, so no key is copied to be lower-cased unless it can match: a key can lower-case
  // to an ASCII name only when it has the name's length (the one non-ASCII letter that lower-cases
  // to ASCII, the Kelvin sign, is one code unit as its `k` is). for...in with an own-key check
  // meets the keys Object.keys gives, in its order, without making their array.
  const asciiName = isAscii(name);
  let lower: string | undefined;
  for (const key in object) {
    if (asciiName && key.length !== name.length) continue;
    if (!Object.hasOwn(object, key)) continue;
    lower ??= name.toLowerCase();
    if (key.toLowerCase() === lower) return object[key];
  }
  return undefined;
}

/** A non-empty string field, by name. */
export function textField(object: JsonObject | undefined, name: string): string | undefined {
  return asText(field(object, name));
}

/** An object field, by name. */
export function objectField(object: JsonObject | undefined, name: string): JsonObject | undefined {
  return asObject(field(object, name));
}

/** A copy of the object without its undefined values: absent values are left out of items. */
export function compact<T extends object>(object: T): T {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) copy[key] = value;
  return copy as T;
}
