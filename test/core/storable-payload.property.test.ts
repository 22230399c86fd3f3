import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalShape } from '../../contract/exact-number';
import { parseRecordJson } from '../../lambda/core/record-json';
import {
  storedItemSize,
  storedItemSizeAtMost,
  storedSize,
  toSizedStorablePayload,
  toStorablePayload,
} from '../../lambda/core/storable-payload';
import { jsonKey, jsonTree, WritingChoices, writeJson } from '../support/json-text';
import { propertyParameters } from '../support/property-runs';

const parsedJson = fc
  .tuple(jsonTree({ maxDepth: 5 }), fc.array(fc.nat({ max: 1_000 }), { maxLength: 16 }))
  .map(([tree, writing]) => parseRecordJson(writeJson(tree, new WritingChoices(writing))));
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
