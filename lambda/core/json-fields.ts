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

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * A field of an object by name, falling back to a case-insensitive match: some published records
 * carry `principalid` or `sessioncontext`.
 */
export function field(object: JsonObject | undefined, name: string): unknown {
  if (!object) return undefined;
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  // A key can lower-case to an ASCII name only when it has the name's length (the one non-ASCII
  // letter that lower-cases to ASCII, the Kelvin sign, is one code unit as its `k` is), so most
  // keys are passed over without a lower-cased copy: a field absent from a record is looked for
  // in every key the record has.
  const sameLengthOnly = !NON_ASCII.test(lower);
  for (const key of Object.keys(object)) {
    if (sameLengthOnly && key.length !== lower.length) continue;
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
