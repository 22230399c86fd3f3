import { describe, expect, it } from 'vitest';
import { RecordsArraySplitter } from '../../lambda/core/records-array-splitter';
import { compileRecordScanner } from '../../lambda/core/wasm/build';
import { RECORD_SCANNER_WASM_BASE64 } from '../../lambda/core/wasm/record-scanner-wasm';
import { splitInChunks } from '../support/split-records';

const keepBedrock = (eventSource: string) => eventSource === 'bedrock.amazonaws.com';

const splitKeeping = (text: string, chunkSize: number) =>
  splitInChunks(text, chunkSize, { keepEventSource: keepBedrock });

describe('the record scanner (WebAssembly)', () => {
  it('is the committed module compiled from its source (npm run build:wasm)', async () => {
    const compiled = await compileRecordScanner();

    expect(Buffer.from(compiled).toString('base64')).toBe(RECORD_SCANNER_WASM_BASE64);
  }, 60_000);

  it.each([1, 5, 64, 4096])(
    'passes over a backslash outside a string as an ordinary byte, as a byte-at-a-time scan does (%i-byte chunks)',
    (chunkSize) => {
      const text =
        '{"Records":[{"eventSource":"s3.amazonaws.com","a":\\"x"},' +
        '{"eventSource":"bedrock.amazonaws.com","eventID":"b-1"}]}';

      const records = splitKeeping(text, chunkSize);

      expect(records.map((record) => [record.eventSource, record.skipped])).toEqual([
        ['s3.amazonaws.com', true],
        ['bedrock.amazonaws.com', undefined],
      ]);
    },
  );

  it('keeps a record whose eventSource it cannot read across a chunk (kilobytes of whitespace), never skips it on a guess', () => {
    const spaces = ' '.repeat(8_000);
    const text = `{"Records":[{"eventSource":${spaces}"s3.amazonaws.com","eventID":"s-1"},{"eventID":"next"}]}`;

    const records = splitKeeping(text, 1024);

    expect(records[0]?.skipped).toBeUndefined();
    expect(records[0]?.eventSource).toBeUndefined();
    expect(JSON.parse(records[0]?.bytes.toString() ?? '')).toMatchObject({ eventSource: 's3.amazonaws.com' });
    expect(records[1]?.eventId).toBe('next');
  });

  it('tells a record that holds a number from one whose digits are all in strings, wherever the chunks and 64-byte blocks end', () => {
    const records = [
      '{"eventID":"1-2-3","n":"42"}',
      '{"eventID":"a","count":7}',
      '{"eventID":"esc \\" 9","s":"\\\\"}',
      `{"pad":"${'x'.repeat(50)}","deep":[[{"v":-0.5e3}]]}`,
      '{"last":true,"list":[null,false]}',
      '[1]',
      '{"s":"\\u0031"}',
      '0',
    ];
    const holds = [false, true, false, true, false, true, false, true];
    // Every record starts at each offset of a block once the padding before it grows.
    for (let pad = 0; pad < 64; pad += 7) {
      const text = `{"Records":[${' '.repeat(pad)}${records.join(', ')}]}`;
      for (const chunkSize of [1, 5, 13, 64, 100, text.length]) {
        const found = splitInChunks(text, chunkSize, {});
        expect(found.map((record) => record.holdsNumber)).toEqual(holds);
      }
    }
  });

  it('reads an eventSource cut by every chunk boundary, with the whitespace pretty-printing puts around it', () => {
    const text =
      '{"Records":[\n  {\n    "eventID" :  "b-1" ,\n    "eventSource" :\n "bedrock.amazonaws.com"\n  }\n]}';

    for (let chunkSize = 1; chunkSize <= text.length; chunkSize++) {
      const [record] = splitKeeping(text, chunkSize);
      expect([record?.eventSource, record?.eventId, record?.skipped]).toEqual([
        'bedrock.amazonaws.com',
        'b-1',
        undefined,
      ]);
    }
  });

  it('reads an eventSource of up to 2,048 bytes and leaves a longer one unknown (the record kept), wherever it lies', () => {
    for (let length = 2_030; length <= 2_066; length++) {
      for (const [padding, escaped] of [
        ['', false],
        [' ', false],
        ['   ', true],
        ['       ', true],
      ] as const) {
        // An escape (6 bytes, one character) a few bytes before the end, or none.
        const tail = escaped ? '\\u0078xyz' : 'xxxxxxxxx';
        const eventSource = `${'s'.repeat(length - tail.length)}${tail}`;
        const text = `{"Records":[{"eventID":${padding}"e-1","eventSource":"${eventSource}"},{"eventID":"e-2"}]}`;

        const [record, next] = splitKeeping(text, 65_536);

        const decoded = JSON.parse(`"${eventSource}"`) as string;
        expect([length, padding.length, record?.eventSource, record?.skipped]).toEqual(
          length <= 2_048
            ? [length, padding.length, decoded, true]
            : [length, padding.length, undefined, undefined],
        );
        expect(next?.eventId).toBe('e-2');
      }
    }
  });

  it('names the eventSource of records of thousands of services (more than it interns)', () => {
    const records = Array.from({ length: 5_000 }, (_, n) => ({
      eventSource: `s${n}.amazonaws.com`,
      eventID: `e-${n}`,
    }));
    const text = JSON.stringify({ Records: records });

    const split = splitKeeping(text, 65_536);

    expect(split.map((record) => record.eventSource)).toEqual(records.map((record) => record.eventSource));
    expect(split.map((record) => record.eventId)).toEqual(records.map((record) => record.eventID));
    expect(split.every((record) => record.skipped)).toBe(true);
  });

  it('reports every record of a chunk holding more than fit in one call', () => {
    const text = JSON.stringify({ Records: Array.from({ length: 10_000 }, (_, n) => ({ eventID: `${n}` })) });

    const split = splitKeeping(text, text.length);

    expect(split).toHaveLength(10_000);
    expect(split.at(-1)?.eventId).toBe('9999');
  });
});

describe('RecordsArraySplitter told which skipped records name their eventID', () => {
  it('decodes the eventID of a skipped record only for the eventSources it is asked for, asking once each', () => {
    const asked: string[] = [];
    const splitter = new RecordsArraySplitter({
      keepEventSource: keepBedrock,
      skippedEventIds: (eventSource) => {
        asked.push(eventSource);
        return eventSource.startsWith('aws:');
      },
    });
    const text = JSON.stringify({
      Records: [
        { eventSource: 's3.amazonaws.com', eventID: 's-1' },
        { eventSource: 'aws:s3', eventID: 'n-1' },
        { eventSource: 's3.amazonaws.com', eventID: 's-2' },
        { eventSource: 'bedrock.amazonaws.com', eventID: 'b-1' },
      ],
    });

    const records = splitter.push(Buffer.from(text));
    splitter.end();

    expect(records.map((record) => [record.skipped, record.eventId])).toEqual([
      [true, undefined],
      [true, 'n-1'],
      [true, undefined],
      [undefined, 'b-1'],
    ]);
    expect(asked).toEqual(['s3.amazonaws.com', 'aws:s3']);
  });
});
