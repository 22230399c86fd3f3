import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalShape } from '../../contract/exact-number';
import { parseRecordJson } from '../../lambda/core/record-json';
import {
  childPath,
  storedItemSize,
  storedItemSizeAtMost,
  storedSize,
  storedSizeAtMostOfText,
  toSizedStorablePayload,
  toStorablePayload,
} from '../../lambda/core/storable-payload';
import { jsonKey, jsonTree, WritingChoices, writeJson } from '../support/json-text';
import { propertyParameters } from '../support/property-runs';

const jsonText = fc
  .tuple(jsonTree({ maxDepth: 5 }), fc.array(fc.nat({ max: 1_000 }), { maxLength: 16 }))
  .map(([tree, writing]) => writeJson(tree, new WritingChoices(writing)));
const parsedJson = jsonText.map(parseRecordJson);
// Caps about a payload's own size: some cut it, some keep it whole, some leave it whole as text.
const cap = fc.integer({ min: 1, max: 2_000 });

describe('toSizedStorablePayload, for any payload and cap', () => {
  it('is toStorablePayload, with the stored size of what it gives', () => {
    fc.assert(
      fc.property(parsedJson, cap, (value, maxBytes) => {
        const sizedChanged: string[] = [];
        const changed: string[] = [];

        const sized = toSizedStorablePayload(value, '/requestParameters', sizedChanged, maxBytes);

        expect(toStorablePayload(value, '/requestParameters', changed, maxBytes)).toEqual({
          value: sized.value,
          truncated: sized.truncated,
        });
        expect(sizedChanged).toEqual(changed);
        expect(sized.storedBytes).toBe(storedSize(sized.value));
      }),
      propertyParameters(1_000),
    );
  });

  it('gives the same payload when told the size of the text it was parsed from', () => {
    fc.assert(
      fc.property(jsonText, cap, (text, maxBytes) => {
        const value = parseRecordJson(text);
        const changed: string[] = [];
        const toldChanged: string[] = [];

        const told = toSizedStorablePayload(
          value,
          '/requestParameters',
          toldChanged,
          maxBytes,
          Buffer.byteLength(text),
        );

        expect(told).toEqual(toSizedStorablePayload(value, '/requestParameters', changed, maxBytes));
        expect(toldChanged).toEqual(changed);
      }),
      propertyParameters(1_000),
    );
  });

  it('gives the same payload under any larger cap when it says so', () => {
    fc.assert(
      fc.property(parsedJson, cap, fc.integer({ min: 1, max: 100_000 }), (value, maxBytes, more) => {
        const changed: string[] = [];
        const changedUnderLarger: string[] = [];
        const payload = toSizedStorablePayload(value, '/responseElements', changed, maxBytes);
        fc.pre(payload.sameUnderLargerCap);

        const larger = toSizedStorablePayload(
          value,
          '/responseElements',
          changedUnderLarger,
          maxBytes + more,
        );

        expect(larger).toEqual(payload);
        expect(changedUnderLarger).toEqual(changed);
      }),
      propertyParameters(1_000),
    );
  });
});

/**
 * Why `stored` is not `original` where no changed path is at or under `path`, or undefined: what
 * the conversion does not change, it hands back as it is (the very map or list), not a copy.
 */
function unsharedWithoutChange(
  original: unknown,
  stored: unknown,
  path: string,
  changed: readonly string[],
): string | undefined {
  if (stored === original) return undefined;
  if (!changed.some((changedPath) => changedPath === path || changedPath.startsWith(`${path}/`)))
    return `${path} was copied though nothing in it changed`;
  if (typeof original !== 'object' || original === null || typeof stored !== 'object' || stored === null)
    return undefined;
  for (const key of Object.keys(original)) {
    const index = Array.isArray(original) ? Number(key) : key;
    const why = unsharedWithoutChange(
      (original as Record<string, unknown>)[key],
      (stored as Record<string, unknown>)[key],
      childPath(path, index),
      changed,
    );
    if (why) return why;
  }
  return undefined;
}

describe('toStorablePayload, for any payload it stores whole', () => {
  it('hands back what it does not change as it is, and copies only along a changed path', () => {
    let someChanged = 0;
    fc.assert(
      fc.property(parsedJson, (value) => {
        const changed: string[] = [];
        const payload = toStorablePayload(value, '/requestParameters', changed, 1_000_000);
        fc.pre(!changed.includes('/requestParameters'));
        if (changed.length > 0) someChanged += 1;

        expect(unsharedWithoutChange(value, payload.value, '/requestParameters', changed)).toBeUndefined();
      }),
      propertyParameters(1_000),
    );
    expect(someChanged).toBeGreaterThan(0);
  });

  it('gives a copy without a prototype where it changed something in a map', () => {
    const value = parseRecordJson('{"keep":{"a":[1,2]},"change":{"__proto__":{"x":1},"n":-0}}') as Record<
      string,
      unknown
    >;
    const changed: string[] = [];

    const stored = toStorablePayload(value, '/requestParameters', changed, 1_000_000).value as Record<
      string,
      Record<string, unknown>
    >;

    expect(changed).toEqual(['/requestParameters/change/n']);
    expect(stored.keep).toBe(value.keep);
    expect(Object.getPrototypeOf(stored)).toBeNull();
    expect(Object.getPrototypeOf(stored.change)).toBeNull();
    expect(Object.keys(stored.change as object)).toEqual(['__proto__', 'n']);
    expect(stored.change?.n).toBe('-0');
  });
});

describe('toSizedStorablePayload, near its cap', () => {
  // 50 empty lists: 203 bytes stored, 151 characters of JSON text.
  const emptyLists = Array.from({ length: 50 }, () => []);

  it.each([
    ['stored whole', 203, false, true],
    ['stored as its JSON text, a larger cap storing it whole', 180, false, false],
    ['cut', 100, true, false],
  ])('says whether a larger cap gives the same payload when it is %s', (_case, maxBytes, truncated, same) => {
    const payload = toSizedStorablePayload(emptyLists, '/requestParameters', [], maxBytes);

    expect(payload.truncated).toBe(truncated);
    expect(payload.sameUnderLargerCap).toBe(same);
  });
});

describe('stored sizes', () => {
  it('are bounded by the size of the JSON text a value is parsed from, however it is written', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        expect(storedSize(parseRecordJson(text))).toBeLessThanOrEqual(
          storedSizeAtMostOfText(Buffer.byteLength(text)),
        );
      }),
      propertyParameters(2_000),
    );
    // Nested empty lists come nearest: 4 bytes stored a level where the text takes 2.
    const nested = `${'['.repeat(40)}${']'.repeat(40)}`;
    expect(storedSizeAtMostOfText(nested.length) - storedSize(parseRecordJson(nested))).toBe(2);
  });

  it('bound an item from above without counting its UTF-8', () => {
    fc.assert(
      fc.property(fc.dictionary(jsonKey, parsedJson, { maxKeys: 12 }), (item) => {
        expect(storedItemSizeAtMost(item)).toBeGreaterThanOrEqual(storedItemSize(item));
      }),
      propertyParameters(1_000),
    );
  });

  it('count an integer by its significant digits, as its text says', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (integer) => {
        const digits = decimalShape(String(integer)).digits.length;

        expect(storedSize(integer)).toBe(Math.ceil(digits / 2) + 1);
      }),
      propertyParameters(2_000),
    );
  });
});
