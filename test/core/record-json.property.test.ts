import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ExactNumber,
  parseRecordJson,
  RecordJsonError,
  type RecordValue,
  toJsonText,
} from '../../lambda/core/record-json';
import {
  decimalValue,
  decodeExactJson,
  ExactDecimal,
  type ExactValue,
  findDifference,
} from '../support/exact-json';
import { doubleText, jsonTree, numberText, WritingChoices, writeJson } from '../support/json-text';
import { propertyParameters } from '../support/property-runs';
import { splitInChunks } from '../support/split-records';

const jsonText = fc
  .tuple(jsonTree({ maxDepth: 5 }), fc.array(fc.nat({ max: 1_000 }), { maxLength: 32 }))
  .map(([tree, writing]) => writeJson(tree, new WritingChoices(writing)));

/**
 * Walks what parseRecordJson gave beside what JSON.parse gave and the text as written: the same
 * shape, keys and leaves; a number either the double JSON.parse gives, equal in decimal value to
 * the text, or an ExactNumber of the text as written.
 */
function expectAgreement(ours: RecordValue, parsed: unknown, written: ExactValue, path = ''): void {
  if (written instanceof ExactDecimal) {
    if (ours instanceof ExactNumber) {
      expect(ours.text, path).toBe(written.text);
      expect(Object.is(Number(ours.text), parsed), path).toBe(true);
    } else {
      expect(typeof ours, path).toBe('number');
      expect(Object.is(ours, parsed), path).toBe(true);
      expect(decimalValue(doubleText(ours as number)), `${path}: ${written.text}`).toBe(
        decimalValue(written.text),
      );
    }
    return;
  }
  if (Array.isArray(written)) {
    expect(Array.isArray(ours) && Array.isArray(parsed), path).toBe(true);
    expect((ours as RecordValue[]).length, path).toBe(written.length);
    written.forEach((element, index) => {
      expectAgreement(
        (ours as RecordValue[])[index] as RecordValue,
        (parsed as unknown[])[index],
        element,
        `${path}/${index}`,
      );
    });
    return;
  }
  if (typeof written === 'object' && written !== null) {
    expect(Object.keys(ours as object), path).toEqual(Object.keys(written));
    expect(Object.keys(parsed as object), path).toEqual(Object.keys(written));
    for (const key of Object.keys(written)) {
      const child = (value: unknown) => Object.getOwnPropertyDescriptor(value, key)?.value;
      expectAgreement(child(ours), child(parsed), child(written), `${path}/${key}`);
    }
    return;
  }
  expect(ours, path).toBe(parsed);
}

describe('parseRecordJson, for any JSON text', () => {
  it('agrees with JSON.parse but keeps as written the numbers a double would change', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const ours = parseRecordJson(text);

        expectAgreement(ours, JSON.parse(text), decodeExactJson(text));
      }),
      propertyParameters(1_000),
    );
  });

  it('keeps the numbers exact when told by the record scanner whether the text holds one', () => {
    fc.assert(
      fc.property(jsonText, fc.integer({ min: 1, max: 64 }), (text, chunkSize) => {
        const [record] = splitInChunks(`{"Records":[${text}]}`, chunkSize);
        const ours = parseRecordJson(text, record?.holdsNumber);

        expect(typeof record?.holdsNumber).toBe('boolean');
        expectAgreement(ours, JSON.parse(text), decodeExactJson(text));
      }),
      propertyParameters(1_000),
    );
  });

  it("never lets a key such as __proto__ set an object's prototype", () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const objects: unknown[] = [];
        const collect = (value: unknown) => {
          if (typeof value !== 'object' || value === null || value instanceof ExactNumber) return;
          if (!Array.isArray(value)) objects.push(value);
          for (const key of Object.keys(value)) collect(Object.getOwnPropertyDescriptor(value, key)?.value);
        };

        collect(parseRecordJson(text));

        for (const object of objects) {
          const prototype = Object.getPrototypeOf(object);
          expect(prototype === null || prototype === Object.prototype).toBe(true);
        }
      }),
      propertyParameters(300),
    );
  });

  it('writes back, with toJsonText, text that denotes the same values and numbers', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const written = toJsonText(parseRecordJson(text));

        expect(findDifference(decodeExactJson(written), decodeExactJson(text))).toBeUndefined();
      }),
      propertyParameters(1_000),
    );
  });

  it.each([
    ['alone', (number: string) => number],
    ['beside an integer past 2^53', (number: string) => `[9007199254740993,${number}]`],
  ])('round-trips any number text %s by decimal value', (_name, embed) => {
    fc.assert(
      fc.property(numberText, (number) => {
        const text = embed(number);

        const written = toJsonText(parseRecordJson(text));

        expect(findDifference(decodeExactJson(written), decodeExactJson(text))).toBeUndefined();
      }),
      propertyParameters(2_000),
    );
  });
});

describe('parseRecordJson, wherever a long number stands', () => {
  it.each([
    ['at the start', '12345678901234567', '12345678901234567'],
    ['after a colon and whitespace', '{"n": \n 12345678901234567}', '12345678901234567'],
    ['in an array after a comma', '[1, -0.12345678901234567]', '-0.12345678901234567'],
    ['with a three-digit exponent', '{"a":{"b":[1.5E+300]}}', '1.5E+300'],
  ])('keeps it exact %s', (_where, text, number) => {
    expect(JSON.stringify(parseRecordJson(text))).toContain(number);
  });

  it.each([
    ['no number at all', '{"eventID":"e849b567-5232","role":"r,12345678901234567","exp":"[1e123"}'],
    ['a short number beside them', '{"role":"r,12345678901234567","exp":"[1e123","n":15}'],
  ])('reads long digit runs inside the strings of a record with %s as JSON.parse does', (_case, text) => {
    expect(parseRecordJson(text)).toEqual(JSON.parse(text));
  });

  it('keeps a long number exact beside a string that holds long digit runs', () => {
    const value = parseRecordJson('{"role":"r,12345678901234567","n":12345678901234567}');

    expect((value as Record<string, unknown>).n).toEqual(new ExactNumber('12345678901234567'));
  });

  it.each([
    ['holds no long number: JSON.parse says', '{"a":1,}', SyntaxError],
    ['may hold one: the exact parser says', '{"n":12345678901234567,}', RecordJsonError],
  ])('fails on a text that is not JSON and %s what is wrong', (_case, text, errorClass) => {
    expect(() => parseRecordJson(text)).toThrow(errorClass);
  });

  it('reads hex ids and digit runs inside strings as the strings they are', () => {
    const text = '{"eventID":"e849b567-5232-44be-9a0c-40988f","role":"role580074395690222150","n":15}';

    expect(parseRecordJson(text)).toEqual(JSON.parse(text));
  });
});
