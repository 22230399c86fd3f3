import { describe, expect, it } from 'vitest';
import { LogFormatError } from '../../lambda/core/errors';
import { type RawRecord, RecordsArraySplitter } from '../../lambda/core/records-array-splitter';
import {
  itOverSharedSamples,
  readInvalidPersonalizeSeed,
  readRealRecords,
  readSharedJsonl,
} from '../support/factories';
import { splitInChunks } from '../support/split-records';

function split(
  text: string | Buffer,
  chunkSize = text.length,
  options?: ConstructorParameters<typeof RecordsArraySplitter>[0],
): RawRecord[] {
  return splitInChunks(text, chunkSize, options);
}

/** Pretty-printed in one log, split in small chunks, each record comes back whole. */
function expectEachSplitWhole(samples: readonly unknown[]): void {
  const text = JSON.stringify({ Records: samples }, null, 2);

  const records = split(text, 4096);

  expect(records).toHaveLength(samples.length);
  expect(records.map((record) => JSON.parse(record.bytes.toString()))).toEqual(samples);
}

function splitError(
  text: string,
  chunkSize?: number,
  options?: ConstructorParameters<typeof RecordsArraySplitter>[0],
): LogFormatError {
  try {
    split(text, chunkSize, options);
  } catch (error) {
    if (error instanceof LogFormatError) return error;
    throw error;
  }
  throw new Error('expected a LogFormatError');
}

describe('RecordsArraySplitter', () => {
  const tricky = [
    { eventID: 'a', text: 'braces } ] { [ and "quotes" and \\ backslashes', eventSource: 'x' },
    { eventID: 'b', nested: { deep: [[{ a: [] }], {}] }, unicode: 'café ☕ 𝄞' },
    'a string element',
    42,
    null,
  ];

  it.each([1, 2, 3, 7, 64, 100_000])(
    'yields the same elements whatever the chunk size (%i bytes)',
    (chunkSize) => {
      const text = JSON.stringify({ Records: tricky });

      const records = split(text, chunkSize);

      expect(records.map((record) => JSON.parse(record.bytes.toString()))).toEqual(tricky);
      expect(records.map((record) => record.index)).toEqual([0, 1, 2, 3, 4]);
    },
  );

  it('gives each element its byte offset in the file', () => {
    const text = JSON.stringify({ Records: tricky });

    const records = split(text, 5);

    for (const record of records) {
      expect(
        Buffer.from(text)
          .subarray(record.offset, record.offset + record.bytes.length)
          .equals(record.bytes),
      ).toBe(true);
    }
  });

  it('splits every real fixture record, pretty-printed, in small chunks', () => {
    expectEachSplitWhole(readRealRecords().map((real) => real.record));
  });

  itOverSharedSamples('splits every shared corpus record, pretty-printed, in small chunks', () => {
    expectEachSplitWhole(readSharedJsonl('records.jsonl'));
  });

  it('accepts an empty Records array, other top-level keys and a byte-order mark', () => {
    expect(split('\uFEFF { "other": {"x": [1, "]"]}, "Records" : [ ] } \n')).toEqual([]);
  });

  it.each([1, 2])('accepts a byte-order mark split over chunks of %i byte(s)', (chunkSize) => {
    expect(split('\uFEFF{"Records":[{"eventID":"a"}]}', chunkSize)).toHaveLength(1);
  });

  it('rejects a file that starts with part of a byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbf]), Buffer.from(' {"Records":[]}')]);

    expect(() => split(bytes)).toThrow(/incomplete byte-order mark at byte offset 1/);
  });

  it.each([
    ['a 1,000-digit integer', '1'.repeat(1000)],
    ['a fraction of 500 digits', `0.${'3'.repeat(500)}`],
    ['an exponent of 100 digits', `1e${'0'.repeat(99)}7`],
    ['all three', `-${'9'.repeat(200)}.${'1'.repeat(200)}E+${'2'.repeat(80)}`],
  ])('accepts a number of any length, as JSON does: %s', (_name, number) => {
    const text = `{"other":${number},"Records":[{"n":${number}},${number}]}`;

    const records = split(text, 7);

    expect(records.map((record) => record.syntaxError)).toEqual([undefined, undefined]);
    expect(records[1]?.bytes.toString()).toBe(number);
  });

  it('finds Records under a key written with escapes, as any JSON parser does', () => {
    const records = split('{"Rec\\u006frds":[{"eventID":"a"}]}');

    expect(records.map((record) => record.bytes.toString())).toEqual(['{"eventID":"a"}']);
  });

  it.each([
    ['an empty file', '', 'the file is empty'],
    ['a digest body (no Records)', '{"awsAccountId":"111122223333","logFiles":[]}', 'no Records array'],
    ['Records that is not an array', '{"Records":{"eventID":"a"}}', 'Records is not an array'],
    ['a top-level array', '[{"eventID":"a"}]', 'expected a JSON object'],
    ['a truncated file', '{"Records":[{"eventID":"a"},{"eventID":', 'unexpected end of input'],
    ['a file cut inside a string', '{"Records":[{"eventID":"a', 'inside a string'],
    ['mismatched brackets', '{"Records":[{"eventID":"a"]]}', "mismatched ']'"],
    ['a missing element', '{"Records":[{"a":1},,{"b":2}]}', 'expected a record'],
    ['a trailing comma', '{"Records":[{"a":1},]}', 'expected a record'],
    ['data after the end', '{"Records":[]} {"Records":[]}', 'after the end of the log'],
    ['Records twice', '{"Records":[],"Records":[]}', 'Records appears twice'],
    ['a bad \\u escape in a top-level key', '{"x\\u12":1,"Records":[]}', 'four hex digits expected'],
    ['a bad \\u escape in a top-level value', '{"x":"\\u12","Records":[]}', 'four hex digits expected'],
  ])('rejects %s', (_name, text, message) => {
    const error = splitError(text);

    expect(error.message).toContain(message);
  });

  it.each([
    ['a missing colon', '{"eventID" "a"}', "unexpected string (a missing ',' or ':'?)"],
    ['a missing comma', '{"eventID":"a" "eventName":"b"}', "unexpected string (a missing ',' or ':'?)"],
    ['a missing comma in an array', '{"a":[1 2]}', 'unexpected a digit'],
    ['an elision', '{"eventID":"a", ...}', 'unexpected a symbol'],
    [
      'a bare word',
      '{"eventID":undefined}',
      'a bare word that is not a JSON value (true, false, null or a number)',
    ],
    ['a leading zero', '{"n":012}', 'a bare word that is not a JSON value (true, false, null or a number)'],
    [
      'a leading zero on a long number',
      `{"n":0${'1'.repeat(100)}}`,
      'a bare word that is not a JSON value (true, false, null or a number)',
    ],
    [
      'a long bare word',
      `{"n":${'t'.repeat(100)}}`,
      'a bare word that is not a JSON value (true, false, null or a number)',
    ],
    ['a trailing comma in an object', '{"eventID":"a",}', "unexpected '}'"],
    ['curly quotes', '{\u201ceventID\u201d:"a"}', 'unexpected a non-ASCII byte'],
    ['an invalid escape', '{"eventID":"a\\.b"}', "invalid escape in a string ('\\' followed by a symbol)"],
    [
      'a \\u escape of two hex digits',
      '{"eventID":"\\u12"}',
      "invalid escape '\\u' in a string (four hex digits expected, found '\"')",
    ],
    [
      'a \\u escape of a non-hex digit',
      '{"eventID":"\\u00g0"}',
      "invalid escape '\\u' in a string (four hex digits expected, found a letter)",
    ],
    ['a key that is not a string', '{eventID:"a"}', 'unexpected a letter'],
  ])('marks a record with %s as not valid JSON and goes on with the next', (_name, bad, reason) => {
    const text = `{"Records":[{"eventID":"before"},${bad},{"eventID":"after"}]}`;

    const records = split(text, 7);

    expect(records.map((record) => record.syntaxError === undefined)).toEqual([true, false, true]);
    expect(records[1]?.syntaxError?.message).toContain(`record 1 is not valid JSON: ${reason}`);
    expect(records[1]?.syntaxError?.offset).toBeGreaterThanOrEqual(records[1]?.offset ?? 0);
    expect(JSON.parse(records[2]?.bytes.toString() ?? '')).toEqual({ eventID: 'after' });
  });

  it('fails the file on invalid JSON outside the Records array', () => {
    expect(splitError('{"other":{"a" 1},"Records":[]}').message).toContain('unexpected a digit');
  });

  it('rejects the published Personalize example (a missing quote) with the byte offset', () => {
    const text = `{"Records":[${readInvalidPersonalizeSeed()}]}`;

    const error = splitError(text, 16);

    expect(error.message).toMatch(
      /unescaped control character in a string \(a missing quote\?\) at byte offset \d+/,
    );
    expect(text.slice(0, error.offset).endsWith('"access-key,')).toBe(true);
  });

  it('returns the records completed before a break in the same chunk', () => {
    const splitter = new RecordsArraySplitter();

    const records = splitter.push(Buffer.from('{"Records":[{"eventID":"a"},{"eventID":"b"}}'));

    expect(records.map((record) => record.bytes.toString())).toEqual(['{"eventID":"a"}']);
    expect(splitter.failure?.message).toContain("unexpected '}' in Records");
    expect(() => splitter.end()).toThrow(LogFormatError);
  });

  describe('given the array to split', () => {
    it.each([1, 5, 1000])(
      'splits the array under another key in chunks of %i byte(s), other keys skipped',
      (chunkSize) => {
        const text =
          '{"QueryStatus":"FINISHED","Records":[9],"QueryResultRows":[[{"eventID":"a"}],[{"eventID":"b"}]]}';

        const records = split(text, chunkSize, { arrayKey: 'QueryResultRows' });

        expect(records.map((record) => record.bytes.toString())).toEqual([
          '[{"eventID":"a"}]',
          '[{"eventID":"b"}]',
        ]);
        expect(records.map((record) => record.offset)).toEqual([
          text.indexOf('[[') + 1,
          text.lastIndexOf('[{'),
        ]);
      },
    );

    it('names the missing array by its key', () => {
      expect(splitError('{"Records":[]}', undefined, { arrayKey: 'Events' }).message).toBe(
        'no Events array (a CloudTrail-Digest or other non-log JSON file?) at byte offset 14',
      );
    });

    it.each([1, 3, 1000])('splits a document that is the array, in chunks of %i byte(s)', (chunkSize) => {
      const records = split(' [{"eventID":"a"}, {"eventID":"b"}] \n', chunkSize, { rootArray: true });

      expect(records.map((record) => [record.eventId, record.offset])).toEqual([
        ['a', 2],
        ['b', 19],
      ]);
    });

    it.each([
      ['[{"eventID":"a"}', 'unexpected end of input (truncated log?) at byte offset 16'],
      ['[] []', "unexpected '[' after the end of the log at byte offset 3"],
      ['{"Records":[]}', "expected a JSON array, found '{' at byte offset 0"],
    ])('fails a root array %j that is broken: %s', (text, message) => {
      expect(splitError(text, undefined, { rootArray: true }).message).toBe(message);
    });
  });
});

describe('RecordsArraySplitter told which eventSources to keep', () => {
  const keepBedrock = (eventSource: string) => eventSource === 'bedrock.amazonaws.com';

  const splitKeeping = (text: string, chunkSize: number) =>
    splitInChunks(text, chunkSize, { keepEventSource: keepBedrock });

  it.each([1, 3, 7, 4096])(
    'skips the others unheld and unchecked, and keeps and checks the rest (%i-byte chunks)',
    (chunkSize) => {
      const text =
        '{"Records":[{"eventSource":"s3.amazonaws.com","eventID":"s3-1", ...},' +
        '{"event\\u0053ource":"bedrock.amazonaws.com","eventID":"b-1","x":[1,{"y":"}"}]},' +
        '{"eventSource":"bedrock.amazonaws.com","eventID":"b-2" "eventName":"x"},' +
        '{"eventSource":5,"eventID":"n-1"},' +
        '{"eventSource":"s3.amazonaws.com","eventSource":"bedrock.amazonaws.com","eventID":"b-3"}]}';

      const records = splitKeeping(text, chunkSize);

      expect(
        records.map((record) => [record.eventId, record.skipped, record.syntaxError === undefined]),
      ).toEqual([
        ['s3-1', true, true],
        ['b-1', undefined, true],
        ['b-2', undefined, false],
        ['n-1', undefined, true],
        ['b-3', undefined, true],
      ]);
      expect(records[0]?.bytes.length).toBe(0);
      expect(records[0]?.eventSource).toBe('s3.amazonaws.com');
      expect(records[3]?.eventSource).toBeUndefined();
      expect(JSON.parse(records[1]?.bytes.toString() ?? '')).toMatchObject({ eventID: 'b-1' });
    },
  );

  it('still fails on a break in the structure of a skipped record, with its byte offset', () => {
    const text = '{"Records":[{"eventSource":"s3.amazonaws.com","a":[1}]}';

    expect(() => splitKeeping(text, 5)).toThrow(/mismatched '}' at byte offset 52/);
  });

  it('drops a skipped record nested too deep, as it drops a kept one', () => {
    const deep = `${'['.repeat(600)}${']'.repeat(600)}`;
    const text = `{"Records":[{"eventSource":"s3.amazonaws.com","a":${deep}},{"eventID":"next"}]}`;

    const records = splitKeeping(text, 64);

    expect(records[0]?.dropped?.message).toContain('nesting deeper than 512 levels');
    expect(records[1]?.eventId).toBe('next');
  });
});
