/**
 * Numbers kept exactly: a JSON number a double may not hold (an integer past 2^53, a decimal of
 * more than 15 significant digits, an exponent past 99) is kept as its text. The parser of kept
 * records makes them, the item marshaller stores them as DynamoDB numbers (or text past
 * DynamoDB's range) and reads them back, and consumers of items meet them in payloads.
 */

/** A JSON number kept as written, because a double would change it. */
export class ExactNumber {
  constructor(readonly text: string) {}

  /** In JSON output (tests, local tools) the number appears as its text, quoted. */
  toJSON(): string {
    return this.text;
  }
}

/** Significant digits any decimal may have and still round-trip through a double exactly. */
export const MAX_EXACT_DOUBLE_DIGITS = 15;
/** The significant digits and the decimal exponent of the first one, of a JSON number's text. */
export function decimalShape(text: string): { readonly digits: string; readonly exponent: number } {
  const unsigned = text.startsWith('-') ? text.slice(1) : text;
  const e = unsigned.search(/[eE]/);
  const mantissa = e === -1 ? unsigned : unsigned.slice(0, e);
  const exponentPart = e === -1 ? 0 : Number(unsigned.slice(e + 1));
  const point = mantissa.indexOf('.');
  const integerDigits = point === -1 ? mantissa.length : point;
  const all = mantissa.replace('.', '');
  const leadingZeros = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(leadingZeros).replace(/0+$/, '');
  return { digits, exponent: exponentPart + integerDigits - leadingZeros - 1 };
}
