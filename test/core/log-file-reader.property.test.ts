import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogFileError, LogFormatError } from '../../lambda/core/errors';
import { ingestLogFile } from '../../lambda/core/ingest-log-file';
import { readLogRecordBatches, readLogRecords } from '../../lambda/core/log-file-reader';
import type { RawRecord } from '../../lambda/core/records-array-splitter';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import {
  chunkSizes,
  inChunks,
  type JsonTree,
  jsonKey,
  jsonStringValue,
  jsonTree,
  otherTopLevelMembers,
  WritingChoices,
  writeLogDocument,
} from '../support/json-text';
import { propertyParameters } from '../support/property-runs';
import { mustIngestionFail } from '../support/unchecked-records';

const LOG_FILE = 's3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/f.json.gz';

/** Records that are objects with eventSource and eventID among their members, as strings or not. */
const recordLikeTree: fc.Arbitrary<JsonTree> = fc
  .tuple(
    fc.array(fc.tuple(jsonKey, jsonTree({ maxDepth: 2 })), { maxLength: 4 }),
    fc.oneof(
      jsonStringValue,
      fc.constantFrom('sagemaker.amazonaws.com', 's3.amazonaws.com', 'bedrock.amazonaws.com'),
    ),
    jsonStringValue,
    fc.array(fc.nat(), { maxLength: 4 }),
  )
  .map(([members, eventSource, eventId, places]): JsonTree => {
    const all = [...members];
    all.splice((places[0] ?? 0) % (all.length + 1), 0, ['eventSource', { string: eventSource }]);
    all.splice((places[1] ?? 0) % (all.length + 1), 0, ['eventID', { string: eventId }]);
    return { members: all };
  });

const logDocument = fc
  .record({
    records: fc.array(fc.oneof(jsonTree(), recordLikeTree), { maxLength: 12 }),
    before: otherTopLevelMembers,
    after: otherTopLevelMembers,
    byteOrderMark: fc.boolean(),
    writing: fc.array(fc.nat({ max: 1_000 }), { maxLength: 48 }),
  })
  .map(({ records, writing, ...layout }) => ({
    text: writeLogDocument(records, layout, new WritingChoices(writing)),
  }));

const delivery = fc.record({ gzipped: fc.boolean(), sizes: chunkSizes });

/** What the reader made of a body: its records, and the error that ended it, if any. */
async function read(
  decompressed: Buffer,
  { gzipped, sizes }: { gzipped: boolean; sizes: readonly number[] },
): Promise<{ records: RawRecord[]; error?: unknown }> {
  const body = gzipped ? gzipSync(decompressed) : decompressed;
  const records: RawRecord[] = [];
  try {
    for await (const record of readLogRecords(inChunks(body, sizes))) records.push(record);
    return { records };
  } catch (error) {
    return { records, error };
  }
}

/** JSON.parse of the document as a log, or undefined when it is not one. */
function parseAsLog(bytes: Buffer): unknown[] | undefined {
  const text = bytes.toString('utf8');
  try {
    const parsed = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
    const records = (parsed as { Records?: unknown } | null)?.Records;
    return typeof parsed === 'object' && !Array.isArray(parsed) && Array.isArray(records)
      ? records
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a JSON text has a digit outside its strings (a number's, maybe one a later duplicate key
 * replaces), read a character at a time.
 */
function hasDigitOutsideStrings(text: string): boolean {
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index] as string;
    if (inString) {
      if (character === '\\') index++;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character >= '0' && character <= '9') return true;
  }
  return false;
}

/** Whether a parsed value holds a number anywhere. */
function holdsNumber(value: unknown): boolean {
  if (typeof value === 'number') return true;
  return typeof value === 'object' && value !== null && Object.values(value).some(holdsNumber);
}

function expectSameRecords(records: readonly RawRecord[], expected: readonly unknown[], document: Buffer) {
  expect(records.map((record) => record.index)).toEqual(expected.map((_, index) => index));
  records.forEach((record, index) => {
    expect(record.syntaxError).toBeUndefined();
    expect(record.dropped).toBeUndefined();
    expect(document.subarray(record.offset, record.offset + record.bytes.length).equals(record.bytes)).toBe(
      true,
    );
    const element = expected[index];
    expect(JSON.parse(record.bytes.toString('utf8'))).toEqual(element);
    expect(record.holdsNumber).toBe(hasDigitOutsideStrings(record.bytes.toString('utf8')));
    if (holdsNumber(element)) expect(record.holdsNumber).toBe(true);
    const { eventSource, eventID } = (element ?? {}) as { eventSource?: unknown; eventID?: unknown };
    if (typeof element === 'object' && typeof eventSource === 'string')
      expect(record.eventSource).toBe(eventSource);
    if (typeof element === 'object' && typeof eventID === 'string') expect(record.eventId).toBe(eventID);
  });
}

type Mutation =
  | { readonly kind: 'truncate' | 'delete'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly byte: number }
  | { readonly kind: 'flip'; readonly at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    byte: fc.constantFrom(...Buffer.from('{}[]",:\\ 0-.eEtnu/'), 0x00, 0x1f, 0x7f, 0x80, 0xc3, 0xff),
  }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat() }),
);

// [ and {, ] and }, each turned into the other.
const FLIPPED: ReadonlyMap<number, number> = new Map([
  [0x5b, 0x7b],
  [0x7b, 0x5b],
  [0x5d, 0x7d],
  [0x7d, 0x5d],
]);

/** The document with one mutation, and the first byte it may have changed. */
function mutate(document: Buffer, change: Mutation): { bytes: Buffer; from: number } {
  const at = change.at % (document.length + 1);
  switch (change.kind) {
    case 'truncate':
      return { bytes: document.subarray(0, Math.min(at, document.length - 1)), from: at };
    case 'delete':
      return {
        bytes: Buffer.concat([document.subarray(0, at), document.subarray(at + 1)]),
        from: at,
      };
    case 'insert':
      return {
        bytes: Buffer.concat([document.subarray(0, at), Buffer.from([change.byte]), document.subarray(at)]),
        from: at,
      };
    case 'flip': {
      const brackets = [...document.keys()].filter((index) => FLIPPED.has(document[index] as number));
      const target = brackets[change.at % brackets.length] as number;
      const bytes = Buffer.from(document);
      bytes[target] = FLIPPED.get(document[target] as number) as number;
      return { bytes, from: target };
    }
  }
}

describe('readLogRecords, for any document and any chunking', () => {
  it('yields exactly the records JSON.parse finds, each with its bytes, offset, eventSource and eventID', async () => {
    await fc.assert(
      fc.asyncProperty(logDocument, delivery, async ({ text }, how) => {
        const document = Buffer.from(text);
        const expected = parseAsLog(document) as unknown[];

        const { records, error } = await read(document, how);

        expect(error).toBeUndefined();
        expectSameRecords(records, expected, document);
      }),
      propertyParameters(300),
    );
  });

  it('fails a document with one byte wrong with a LogFormatError and a byte offset, or marks the record, never yielding a wrong one', async () => {
    await fc.assert(
      fc.asyncProperty(logDocument, mutation, delivery, async ({ text }, change, how) => {
        const original = Buffer.from(text);
        const originals = await read(original, { gzipped: false, sizes: [original.length] });
        const { bytes, from } = mutate(original, change);
        const expected = parseAsLog(bytes);

        const { records, error } = await read(bytes, how);

        if (expected !== undefined && error === undefined) {
          expectSameRecords(records, expected, bytes);
          return;
        }
        if (error !== undefined) {
          expect(error).toBeInstanceOf(LogFormatError);
          const { offset, message } = error as LogFormatError;
          expect(message).toMatch(/^.+ at byte offset \d+$/);
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(bytes.length);
          // A mutated document that is still a log may be refused only for holding Records twice.
          if (expected !== undefined) expect(message).toContain('Records appears twice');
        } else {
          expect(records.some((record) => record.syntaxError !== undefined)).toBe(true);
        }
        for (const record of records) {
          if (record.syntaxError) {
            expect(record.syntaxError.offset).toBeGreaterThanOrEqual(record.offset);
            expect(record.syntaxError.offset).toBeLessThanOrEqual(record.offset + record.bytes.length);
            continue;
          }
          expect(() => JSON.parse(record.bytes.toString('utf8'))).not.toThrow();
          if (record.offset + record.bytes.length < from) {
            expect(record.bytes).toEqual(originals.records[record.index]?.bytes);
          }
        }
      }),
      propertyParameters(500),
    );
  });
});

describe('ingestLogFile, for any document with one byte wrong', () => {
  it('resolves or fails with a LogFileError naming the file, and always fails when the document is not JSON but for records of other services', async () => {
    await fc.assert(
      fc.asyncProperty(logDocument, mutation, delivery, async ({ text }, change, how) => {
        const { bytes } = mutate(Buffer.from(text), change);
        const isLog = parseAsLog(bytes) !== undefined;
        // Only a record of another service is not checked: its grammar may be wrong, unseen.
        const mustFail = !isLog && (await mustIngestionFail(bytes, DEFAULT_SERVICE_CATALOGUE));
        const body = how.gzipped ? gzipSync(bytes) : bytes;

        const outcome = await ingestLogFile(
          { body: inChunks(body, how.sizes), logFile: LOG_FILE },
          DEFAULT_SERVICE_CATALOGUE,
          { put: async () => undefined },
        ).then(
          () => undefined,
          (error: unknown) => error,
        );

        if (outcome !== undefined) {
          expect(outcome).toBeInstanceOf(LogFileError);
          expect((outcome as Error).message.startsWith(`${LOG_FILE}: `)).toBe(true);
        }
        if (mustFail) expect(outcome).toBeInstanceOf(LogFileError);
      }),
      propertyParameters(300),
    );
  });
});

describe('readLogRecordBatches keeping some eventSources, for any document and any chunking', () => {
  it('finds the records, eventSources and eventIDs the checking reader finds, and skips exactly the others', async () => {
    const keep = (eventSource: string) => eventSource !== 's3.amazonaws.com';
    await fc.assert(
      fc.asyncProperty(logDocument, delivery, async ({ text }, how) => {
        const document = Buffer.from(text);
        const checked = await read(document, how);
        const body = how.gzipped ? gzipSync(document) : document;
        const records: RawRecord[] = [];
        for await (const batch of readLogRecordBatches(inChunks(body, how.sizes), { keepEventSource: keep }))
          records.push(...batch);

        expect(records.map(({ index, eventSource, eventId }) => ({ index, eventSource, eventId }))).toEqual(
          checked.records.map(({ index, eventSource, eventId }) => ({ index, eventSource, eventId })),
        );
        records.forEach((record, index) => {
          const isSkipped = record.eventSource !== undefined && !keep(record.eventSource);
          expect(record.skipped).toBe(isSkipped ? true : undefined);
          if (!isSkipped) expect(record.bytes).toEqual(checked.records[index]?.bytes);
        });
      }),
      propertyParameters(300),
    );
  });
});
