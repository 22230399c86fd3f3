import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_DIGEST_MARKER, toKeyValue, truncateUtf8 } from '../../contract/key-values';
import { propertyParameters } from '../support/property-runs';

// Strings of every UTF-16 shape, lone surrogates among them, and caps about their byte lengths.
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '€', '\u{1F600}', '\ud800', '\udfff'), maxLength: 40 }),
);
const maxBytes = fc.integer({ min: 0, max: 160 });

describe('truncateUtf8, for any string and cap', () => {
  it('gives the string itself when it fits, else a start within the cap', () => {
    fc.assert(
      fc.property(text, maxBytes, (value, limit) => {
        const cut = truncateUtf8(value, limit);

        if (Buffer.byteLength(value) <= limit) expect(cut).toBe(value);
        else expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(limit);
      }),
      propertyParameters(2_000),
    );
  });

  it('keeps any string whole when its cap is three bytes a code unit', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(truncateUtf8(value, 3 * value.length)).toBe(value);
      }),
      propertyParameters(2_000),
    );
  });
});

describe('toKeyValue, for any string and budget', () => {
  it('keeps the value when it is well-formed and fits, else adds the digest of the whole', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 50, max: 160 }), (value, budget) => {
        const key = toKeyValue(value, budget);

        const fits = value.isWellFormed() && Buffer.byteLength(value) <= budget;
        expect(key === value).toBe(fits);
        if (!fits) expect(key).toContain(KEY_DIGEST_MARKER);
        expect(Buffer.byteLength(key)).toBeLessThanOrEqual(budget);
      }),
      propertyParameters(2_000),
    );
  });
});
