/**
 * A reference JSON decoder for tests, independent of the code under test: numbers stay the text
 * they were written in, objects have no prototype, so that what was stored can be compared with
 * what was logged, number by decimal value and key by key.
 */

/** A JSON number as written. */
export class ExactDecimal {
  constructor(readonly text: string) {}
}

/** A decoded JSON value: numbers as {@link ExactDecimal}, objects without a prototype. */
export type ExactValue =
  | string
  | boolean
  | null
  | ExactDecimal
  | readonly ExactValue[]
  | { readonly [key: string]: ExactValue };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** Decodes JSON text; throws on text that is not JSON. */
export function decodeExactJson(text: string): ExactValue {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at character ${at}`);
  };
  const skipWhitespace = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const expect = (character: string) => {
    skipWhitespace();
    if (text[at] !== character) fail(`expected '${character}'`);
    at++;
  };
  const string = (): string => {
    const start = at;
    at++;
    while (text[at] !== '"') {
      if (at >= text.length) fail('unterminated string');
      at += text[at] === '\\' ? 2 : 1;
    }
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (): ExactValue => {
    skipWhitespace();
    const character = text[at];
    if (character === '"') return string();
    if (character === '[') {
      at++;
      const elements: ExactValue[] = [];
      skipWhitespace();
      if (text[at] === ']') {
        at++;
        return elements;
      }
      for (;;) {
        elements.push(value());
        skipWhitespace();
        if (text[at] === ']') {
          at++;
          return elements;
        }
        expect(',');
      }
    }
    if (character === '{') {
      at++;
      const object: Record<string, ExactValue> = Object.create(null);
      skipWhitespace();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        skipWhitespace();
        if (text[at] !== '"') fail('expected a key');
        const key = string();
        expect(':');
        object[key] = value();
        skipWhitespace();
        if (text[at] === '}') {
          at++;
          return object;
        }
        expect(',');
      }
    }
    for (const [literal, result] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return result;
      }
    }
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (!match) return fail('expected a value');
    at += match[0].length;
    return new ExactDecimal(match[0]);
  };
  const decoded = value();
  skipWhitespace();
  if (at !== text.length) fail('text after the value');
  return decoded;
}

/**
 * The decimal value of a JSON number's text, normalized: `-`, the significant digits and the power
 * of ten of the last one (`1.50E+2` and `150` both give `15e1`); zero keeps its sign.
 */
export function decimalValue(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new Error(`not a JSON number: ${text}`);
  const [, sign = '', integer = '', fraction = '', exponent = '0'] = match;
  const all = `${integer}${fraction}`.replace(/^0+/, '');
  if (all.length === 0) return `${sign}0`;
  const significant = all.replace(/0+$/, '');
  const power = BigInt(exponent) - BigInt(fraction.length) + BigInt(all.length - significant.length);
  return `${sign}${significant}e${power}`;
}

function describe(value: unknown): string {
  if (value instanceof ExactDecimal) return `number ${value.text}`;
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}

/**
 * Where two decoded values differ (numbers compared by decimal value, keys in any order), as a
 * JSON Pointer and what each holds; undefined when they are the same.
 */
export function findDifference(actual: ExactValue, expected: ExactValue, path = ''): string | undefined {
  if (expected instanceof ExactDecimal || actual instanceof ExactDecimal) {
    if (
      actual instanceof ExactDecimal &&
      expected instanceof ExactDecimal &&
      decimalValue(actual.text) === decimalValue(expected.text)
    )
      return undefined;
    return `${path || '/'}: ${describe(actual)} instead of ${describe(expected)}`;
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual) || actual.length !== expected.length)
      return `${path || '/'}: ${describe(actual)} of ${(actual as unknown[]).length} instead of ${describe(expected)}`;
    for (let index = 0; index < expected.length; index++) {
      const difference = findDifference(actual[index], expected[index], `${path}/${index}`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null)
      return `${path || '/'}: ${describe(actual)} instead of object`;
    const actualKeys = Object.keys(actual).sort();
    const expectedKeys = Object.keys(expected).sort();
    if (JSON.stringify(actualKeys) !== JSON.stringify(expectedKeys))
      return `${path || '/'}: keys ${JSON.stringify(actualKeys)} instead of ${JSON.stringify(expectedKeys)}`;
    for (const key of expectedKeys) {
      const child = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      const difference = findDifference(
        (actual as Record<string, ExactValue>)[key] as ExactValue,
        (expected as Record<string, ExactValue>)[key] as ExactValue,
        child,
      );
      if (difference) return difference;
    }
    return undefined;
  }
  return Object.is(actual, expected)
    ? undefined
    : `${path || '/'}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`;
}
