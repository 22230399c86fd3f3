import fc from 'fast-check';

/**
 * A JSON value as it is written, for property tests: numbers keep their text (`1e308`, `-0`,
 * integers past 2^53), objects keep their members in order, with any key and duplicates allowed.
 */
export type JsonTree =
  | { readonly number: string }
  | { readonly string: string }
  | boolean
  | null
  | readonly JsonTree[]
  | { readonly members: readonly (readonly [string, JsonTree])[] };

/** A JSON object member: its key and its value. */
export type JsonMember = readonly [string, JsonTree];

/** Whether a tree is an object (its members). */
export function isObjectTree(tree: JsonTree): tree is { readonly members: readonly JsonMember[] } {
  return typeof tree === 'object' && tree !== null && 'members' in tree;
}

/** The text JSON.stringify writes for a double, except that -0 keeps its sign. */
export function doubleText(value: number): string {
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

/** A tree of a JavaScript value as JSON.parse (or fc.jsonValue) gives it. */
export function treeOf(value: unknown): JsonTree {
  if (typeof value === 'number') return { number: doubleText(value) };
  if (typeof value === 'string') return { string: value };
  if (typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map(treeOf);
  const object = value as Record<string, unknown>;
  return { members: Object.keys(object).map((key) => [key, treeOf(object[key])] as const) };
}

/**
 * Cycles through generated numbers to choose how each token is written (whitespace, escapes); an
 * empty list writes the plainest text, which is what fast-check shrinks towards.
 */
export class WritingChoices {
  private at = 0;

  constructor(private readonly values: readonly number[] = []) {}

  /** A choice in [0, count). */
  next(count: number): number {
    if (this.values.length === 0) return 0;
    return (this.values[this.at++ % this.values.length] as number) % count;
  }
}

const WHITESPACE = ['', '', '', ' ', '\n', '\t', '\r\n', '  \n\t '];
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function unicodeEscape(codeUnit: number, upper: boolean): string {
  const hex = codeUnit.toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
}

function whitespace(choices: WritingChoices): string {
  return WHITESPACE[choices.next(WHITESPACE.length)] as string;
}

/** A JSON string literal of `value`: what must be escaped is, and any other character may be. */
export function writeJsonString(value: string, choices: WritingChoices = new WritingChoices()): string {
  let text = '"';
  for (const character of value) {
    const code = character.codePointAt(0) as number;
    const isLoneSurrogate = code >= 0xd800 && code <= 0xdfff;
    const mustEscape = character === '"' || character === '\\' || code < 0x20 || isLoneSurrogate;
    const choice = choices.next(16);
    if (!mustEscape && choice < 14) {
      text += character === '/' && choice === 13 ? '\\/' : character;
    } else if (SHORT_ESCAPES[character] !== undefined && choice % 2 === 0) {
      text += SHORT_ESCAPES[character];
    } else {
      for (let unit = 0; unit < character.length; unit++) {
        text += unicodeEscape(character.charCodeAt(unit), choice % 3 === 0);
      }
    }
  }
  return `${text}"`;
}

/** JSON text of a tree, with whitespace between tokens and escapes chosen by `choices`. */
export function writeJson(tree: JsonTree, choices: WritingChoices = new WritingChoices()): string {
  if (tree === null) return 'null';
  if (typeof tree === 'boolean') return String(tree);
  if (Array.isArray(tree)) {
    if (tree.length === 0) return `[${whitespace(choices)}]`;
    const elements = tree.map(
      (element) => `${whitespace(choices)}${writeJson(element, choices)}${whitespace(choices)}`,
    );
    return `[${elements.join(',')}]`;
  }
  const node = tree as Exclude<JsonTree, readonly JsonTree[] | boolean | null>;
  if ('number' in node) return node.number;
  if ('string' in node) return writeJsonString(node.string, choices);
  if (node.members.length === 0) return `{${whitespace(choices)}}`;
  const members = node.members.map(
    ([key, value]) =>
      `${whitespace(choices)}${writeJsonString(key, choices)}${whitespace(choices)}:${whitespace(choices)}${writeJson(value, choices)}${whitespace(choices)}`,
  );
  return `{${members.join(',')}}`;
}

/** How a log document is laid out around its Records array. */
export interface LogDocumentLayout {
  /** Top-level members before and after Records; none of their keys is `Records`. */
  readonly before: readonly JsonMember[];
  readonly after: readonly JsonMember[];
  /** A UTF-8 byte-order mark first, as some tools write. */
  readonly byteOrderMark: boolean;
}

/** A CloudTrail-shaped document `{"Records":[...]}` holding the trees, laid out as `layout` says. */
export function writeLogDocument(
  records: readonly JsonTree[],
  layout: LogDocumentLayout,
  choices: WritingChoices = new WritingChoices(),
): string {
  const recordsMember: JsonMember = ['Records', records];
  const members = [...layout.before, recordsMember, ...layout.after];
  return `${layout.byteOrderMark ? '\uFEFF' : ''}${whitespace(choices)}${writeJson({ members }, choices)}${whitespace(choices)}`;
}

// `size: 'max'`: lengths spread up to the maximum, past what a double or DynamoDB holds.
const digits = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength, size: 'max' });

/** Number texts a double, or DynamoDB, may not hold, written as JSON allows. */
export const NOTABLE_NUMBER_TEXTS = [
  '0',
  '-0',
  '-0.0',
  '-0e5',
  '0.1',
  '1e308',
  '-1e308',
  '1e999',
  '1e-400',
  '5e-324',
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551615',
  '123456789012345678901234567890123456789',
  '12345678901234567890123456789012345678',
  '1E+126',
  '9.9999999999999999999999999999999999999e125',
  '1e125',
  '1e-130',
  '1e-131',
  '1.000000000000000000000000000000000000000001',
  '100000000000000000000000000000000000000000000',
  '0.00000000000000000000000000000000000000000001',
  '1E-00005',
  '1'.repeat(100),
  `0.${'0'.repeat(80)}1`,
  `1e${'0'.repeat(70)}5`,
];

/** Any JSON number text: big integers, long decimals, exponents, as well as doubles as written. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NOTABLE_NUMBER_TEXTS), weight: 2 },
  {
    arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(doubleText),
    weight: 2,
  },
  { arbitrary: fc.integer().map(String), weight: 1 },
  {
    arbitrary: fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant('0'),
          fc.tuple(fc.constantFrom(...'123456789'), digits(0, 60)).map(([first, rest]) => first + rest),
        ),
        fc.option(digits(1, 60), { nil: '' }),
        fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4)), {
          nil: undefined,
        }),
      )
      .map(
        ([negative, integer, fraction, exponent]) =>
          `${negative ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}${exponent ? exponent.join('') : ''}`,
      ),
    weight: 4,
  },
);

/** Keys that mean something to JavaScript, to JSON Pointer or to mltrail, and any other. */
export const jsonKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'prototype',
    '',
    ' ',
    '~',
    '/',
    '~1',
    'a/b~c',
    'eventSource',
    'eventID',
    'caf\u00e9',
    '\u{1F600}',
    '\ud800',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 8 }),
);

/** Strings with escapes to write: quotes, backslashes, controls, unicode, surrogate pairs, lone surrogates. */
export const jsonStringValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 24 }),
  fc.string({
    unit: fc.oneof(
      fc.constantFrom('"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', '\u2028'),
      fc.constantFrom('\ud800', '\udfff', '\ud83d', '\ude00', '\u{1F600}', '\u{10FFFF}', '\uFEFF'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 12,
  }),
);

/** Trees of every JSON kind, a few levels deep, with any key and number text. */
export function jsonTree(options: { maxDepth?: number; maxLength?: number } = {}): fc.Arbitrary<JsonTree> {
  const maxLength = options.maxLength ?? 5;
  const { tree } = fc.letrec<{ tree: JsonTree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: options.maxDepth ?? 4, withCrossShrink: true },
      fc.constantFrom<JsonTree>(null, true, false),
      numberText.map((number): JsonTree => ({ number })),
      jsonStringValue.map((string): JsonTree => ({ string })),
      fc.array(tie('tree'), { maxLength }),
      fc.array(fc.tuple(jsonKey, tie('tree')), { maxLength }).map((members): JsonTree => ({ members })),
    ),
  }));
  return fc.oneof(
    { arbitrary: tree, weight: 4 },
    { arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map(treeOf), weight: 1 },
  );
}

/** A value nested `levels` deep in arrays and objects (by `kinds`), around a leaf. */
export function nestedTree(levels: number, kinds: readonly boolean[], leaf: JsonTree): JsonTree {
  let tree = leaf;
  for (let level = 0; level < levels; level++) {
    tree = kinds[level % Math.max(1, kinds.length)] ? [tree] : { members: [['n', tree]] };
  }
  return tree;
}

/** Top-level members other than Records, for the layout of a log document. */
export const otherTopLevelMembers: fc.Arbitrary<JsonMember[]> = fc.array(
  fc.tuple(
    jsonKey.filter((key) => key !== 'Records'),
    jsonTree({ maxDepth: 2 }),
  ),
  { maxLength: 3 },
);

/** Sizes of the chunks a stream delivers, cycled: single bytes, empty chunks, a few KiB. */
export const chunkSizes: fc.Arbitrary<number[]> = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 4096 })),
  { minLength: 1, maxLength: 6 },
);

/** The bytes in chunks of the given sizes, cycled (a size of 0 yields an empty chunk). */
export async function* inChunks(bytes: Buffer, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let turn = 0; offset < bytes.length; turn++) {
    const size = sizes[turn % sizes.length] ?? 1;
    // A list of only zeros would never get on: every full cycle moves at least one byte.
    const step = size === 0 && turn % sizes.length === sizes.length - 1 ? 1 : size;
    yield bytes.subarray(offset, offset + step);
    offset += step;
  }
}
