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
function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

const [UPPER_A, UPPER_Z, LOWER_K] = [0x41, 0x5a, 0x6b];
const ASCII_CASE_BIT = 0x20;
// The one character outside ASCII whose lower case is ASCII: `k`.
const KELVIN_SIGN = 0x212a;

function lowerAscii(code: number): number {
  return code >= UPPER_A && code <= UPPER_Z ? code | ASCII_CASE_BIT : code;
}

/**
 * `key.toLowerCase() === name.toLowerCase()` for an ASCII `name`, read in place: only a key of the
 * name's length can lower-case to it (no case mapping that changes a string's length yields ASCII
 * alone), and each of its characters must be the name's, in either case, or the Kelvin sign for a
 * `k`.
 */
function equalsAsciiNameInAnyCase(key: string, name: string): boolean {
  if (key.length !== name.length) return false;
  for (let index = 0; index < name.length; index++) {
    const target = lowerAscii(name.charCodeAt(index));
    const code = key.charCodeAt(index);
    if (lowerAscii(code) !== target && !(code === KELVIN_SIGN && target === LOWER_K)) return false;
  }
  return true;
}

/**
 * A field of an object by name, falling back to a case-insensitive match: some published records
 * carry `principalid` or `sessioncontext`.
 */
export function field(object: JsonObject | undefined, name: string): unknown {
  if (!object) return undefined;
  // What `name in object ? object[name] : ...` gives, asking `in` only of an undefined value.
  const value = object[name];
  if (value !== undefined || name in object) return value;
  // Most lookups that get here are of a field the record does not have (vpcEndpointId,
  // invokedBy...), asked of every record: for an ASCII name, as every name mltrail asks for is,
  // keys are compared in place rather than copied to be lower-cased. for...in with an own-key
  // check meets the keys Object.keys gives, in its order, without making their array.
  if (isAscii(name)) {
    for (const key in object) {
      if (equalsAsciiNameInAnyCase(key, name) && Object.hasOwn(object, key)) return object[key];
    }
    return undefined;
  }
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) {
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

/**
 * The names of the members one kind of object is logged with (a record, a userIdentity), no two
 * alike in any case. {@link LoggedNames.read} lets each be read as a plain member, with what
 * {@link field} would find: most objects have no key but these, and then a name they lack is
 * told absent without looking through their keys for another case of it.
 */
export class LoggedNames {
  private readonly names: ReadonlySet<string>;

  constructor(private readonly list: readonly string[]) {
    const lowered = new Set(list.map((name) => name.toLowerCase()));
    if (lowered.size !== list.length) throw new Error('logged names must differ in more than case');
    this.names = new Set(list);
  }

  /**
   * The object itself when every key of it is one of the names; otherwise an object of what
   * {@link field} finds in it for each name. Either way `read(object)[name]` is `field(object, name)`
   * for every one of the names.
   */
  read(object: JsonObject | undefined): JsonObject | undefined {
    if (!object) return undefined;
    let plain = true;
    for (const key in object) {
      if (!this.names.has(key)) {
        plain = false;
        break;
      }
    }
    if (plain) return object;
    const found: JsonObject = Object.create(null);
    for (const name of this.list) {
      const value = field(object, name);
      if (value !== undefined) found[name] = value;
    }
    return found;
  }
}
