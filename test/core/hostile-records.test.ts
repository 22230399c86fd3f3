import { describe, expect, it } from 'vitest';
import { MAX_KEY_ATTRIBUTE_BYTES } from '../../contract/key-attribute-values';
import { KEY_DIGEST_MARKER, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES } from '../../contract/key-values';
import type { MlEventItem } from '../../contract/ml-event-item';
import { GLOBAL_SECONDARY_INDEXES, KEY_ATTRIBUTES } from '../../contract/table-schema';
import { LogFileError } from '../../lambda/core/errors';
import { ingestLogFile } from '../../lambda/core/ingest-log-file';
import { MAX_ITEM_BYTES } from '../../lambda/core/ml-event';
import { ExactNumber, parseRecordJson, toJsonText, toJsonTextStart } from '../../lambda/core/record-json';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import { storedItemSize, toStorablePayload } from '../../lambda/core/storable-payload';
import { decodeExactJson, ExactDecimal, findDifference } from '../support/exact-json';
import { chunked, logFileText, makeRecord } from '../support/factories';
import { HOSTILE_RECORDS } from '../support/hostile-records';

const LOG_FILE = 's3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/f.json.gz';

async function ingest(
  body: Buffer | string,
  limits?: { maxRecordBytes?: number; maxDecompressedBytes?: number },
) {
  const items: MlEventItem[] = [];
  const summary = await ingestLogFile(
    { body: chunked(body, 7_919), logFile: LOG_FILE, limits },
    DEFAULT_SERVICE_CATALOGUE,
    {
      put: async (item) => {
        items.push(item);
      },
    },
  );
  return { items, summary };
}

async function ingestFailure(body: Buffer | string, limits?: { maxDecompressedBytes?: number }) {
  const items: MlEventItem[] = [];
  try {
    await ingestLogFile({ body: chunked(body), logFile: LOG_FILE, limits }, DEFAULT_SERVICE_CATALOGUE, {
      put: async (item) => {
        items.push(item);
      },
    });
  } catch (error) {
    if (error instanceof LogFileError) return { error, items };
    throw error;
  }
  throw new Error('expected the file to fail');
}

function good(count: number, prefix = 'good'): string[] {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify(makeRecord({ eventID: `${prefix}-${index}` })),
  );
}

// A sort-key attribute of any index is held to the sort key's limit, the others to the partition key's.
const SORT_KEY_NAMES = new Set(
  GLOBAL_SECONDARY_INDEXES.flatMap((index) => index.sortKeys.map((key) => key.name)),
);

function bytes(text: string): number {
  return Buffer.byteLength(text);
}

describe('one record never costs its neighbours', () => {
  it.each(HOSTILE_RECORDS.map((record) => [record.name, record]))(
    'stores %s, storable, among 999 good records',
    async (_name, record) => {
      const records = good(999);
      records.splice(100, 0, record.text);

      const { items, summary } = await ingest(logFileText(records));

      expect(summary).toMatchObject({ records: 1000, mlEvents: 1000, malformedRecords: 0 });
      expect(items).toHaveLength(1000);
      const item = items[100] as MlEventItem;
      expect(item.eventID.startsWith(record.eventId.slice(0, 100))).toBe(true);
      expect(storedItemSize(item)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
      for (const { name, type } of KEY_ATTRIBUTES) {
        const value = item[name as keyof MlEventItem];
        if (value === undefined || type === 'N') continue;
        const limit = SORT_KEY_NAMES.has(name) ? MAX_SORT_KEY_BYTES : MAX_PARTITION_KEY_BYTES;
        expect(bytes(value as string), name).toBeLessThanOrEqual(limit);
        expect((value as string).isWellFormed(), name).toBe(true);
      }
    },
  );

  it('keys a value over the limit by its start and a digest: distinct values stay distinct, the same value keeps its key', async () => {
    const longArn = (tail: string) => `arn:aws:iam::123456789012:user/${'u'.repeat(3000)}${tail}`;
    const records = [
      makeRecord({ eventID: 'a', userIdentity: { type: 'IAMUser', arn: longArn('-a') } }),
      makeRecord({ eventID: 'b', userIdentity: { type: 'IAMUser', arn: longArn('-b') } }),
      makeRecord({ eventID: 'c', userIdentity: { type: 'IAMUser', arn: longArn('-a') } }),
    ];

    const { items } = await ingest(logFileText(records));

    const [a, b, c] = items.map((item) => item.principal);
    expect(a).toContain(KEY_DIGEST_MARKER);
    expect(a?.startsWith('arn:aws:iam::123456789012:user/uuu')).toBe(true);
    expect(a).not.toBe(b);
    expect(c).toBe(a);
    expect(items[0]?.principalArn?.length).toBeLessThan(longArn('-a').length);
    expect(items[0]?.changedPaths).toContain('/principalArn');
  });

  it('keeps two eventIDs over the sort key limit that differ only at the end apart', async () => {
    const records = [
      makeRecord({ eventID: `${'e'.repeat(2000)}1` }),
      makeRecord({ eventID: `${'e'.repeat(2000)}2` }),
    ];

    const { items } = await ingest(logFileText(records));

    expect(new Set(items.map((item) => item.eventID)).size).toBe(2);
    expect(items.map((item) => bytes(item.eventID))).toEqual([
      MAX_KEY_ATTRIBUTE_BYTES.eventID,
      MAX_KEY_ATTRIBUTE_BYTES.eventID,
    ]);
    expect(items.map((item) => item.changedPaths)).toEqual([['/eventID'], ['/eventID']]);
  });

  it('caps errorMessage and keeps the item under 400 KB, naming the cut field', async () => {
    const record = HOSTILE_RECORDS.find((candidate) => candidate.name === 'errorMessage of 5 MB');

    const { items } = await ingest(logFileText([record?.text]));

    const [item] = items;
    expect(item?.errorMessage?.length).toBe(16 * 1024);
    expect(item?.changedPaths).toEqual(['/errorMessage']);
  });

  it('keeps the item under 400 KB when every field is as large as a caller can make it', async () => {
    const huge = 'h'.repeat(1_000_000);
    const record = makeRecord({
      eventName: huge,
      eventID: huge,
      userAgent: huge,
      errorCode: huge,
      errorMessage: huge,
      sourceIPAddress: huge,
      requestID: huge,
      recipientAccountId: huge,
      userIdentity: {
        type: 'IAMUser',
        arn: huge,
        userName: huge,
        accessKeyId: huge,
        invokedBy: huge,
        accountId: huge,
      },
      resources: Array.from({ length: 100 }, (_, index) => ({
        ARN: `arn:aws:s3:::${'b'.repeat(2000)}${index}`,
      })),
      requestParameters: { a: huge, list: Array.from({ length: 100_000 }, () => 1) },
      responseElements: { b: huge },
    });

    const { items } = await ingest(logFileText([record]));

    expect(storedItemSize(items[0] as MlEventItem)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
  });
});

describe('payloads round-trip whatever their keys and numbers', () => {
  it('keeps map keys named constructor and __proto__ as data', async () => {
    const text = logFileText([
      HOSTILE_RECORDS.find((record) => record.name === 'map key constructor')?.text,
      HOSTILE_RECORDS.find((record) => record.name === 'map key __proto__')?.text,
      HOSTILE_RECORDS.find((record) => record.name === 'map key constructor holding a map')?.text,
    ]);

    const { items } = await ingest(text);

    const [constructorKey, protoKey, constructorMap] = items.map(
      (item) => item.requestParameters as Record<string, Record<string, unknown>>,
    );
    expect(Object.keys(constructorKey?.tags ?? {})).toEqual(['constructor']);
    expect(constructorKey?.tags?.constructor).toBe('x');
    expect(Object.keys(protoKey?.tags ?? {})).toEqual(['__proto__', 'team']);
    expect(Object.getOwnPropertyDescriptor(protoKey?.tags, '__proto__')?.value).toEqual({ admin: 'true' });
    expect((protoKey?.tags as { admin?: unknown } | undefined)?.admin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(constructorMap, 'constructor')?.value).toEqual({
      name: 'Map',
      size: 3,
    });
  });

  it('keeps integers past 2^53 exact, and -0 as its text', async () => {
    const record = HOSTILE_RECORDS.find((candidate) => candidate.name === 'integers past 2^53');

    const { items } = await ingest(logFileText([record?.text]));

    const parameters = items[0]?.requestParameters as Record<string, unknown>;
    expect(parameters.id).toEqual(new ExactNumber('9007199254740993'));
    expect(parameters.neg).toEqual(new ExactNumber('-9007199254740993'));
    expect(parameters.zero).toBe('-0');
    expect(items[0]?.changedPaths).toEqual(['/requestParameters/zero']);
  });

  it('stores numbers out of DynamoDB range as the text they were written in', async () => {
    const record = HOSTILE_RECORDS.find((candidate) => candidate.name === 'a number DynamoDB cannot hold');

    const { items } = await ingest(logFileText([record?.text]));

    expect(items[0]?.requestParameters).toEqual({ limit: '1e200', tiny: '1e-200', max: '1e308' });
    expect(items[0]?.changedPaths).toEqual([
      '/requestParameters/limit',
      '/requestParameters/tiny',
      '/requestParameters/max',
    ]);
  });

  it("stores a number of 100 digits, past DynamoDB's 38, as the text it was written in", async () => {
    const record = HOSTILE_RECORDS.find((candidate) => candidate.name === 'a number of 100 digits');

    const { items } = await ingest(logFileText([record?.text]));

    expect(items[0]?.requestParameters).toEqual({ n: '7'.repeat(100) });
    expect(items[0]?.changedPaths).toEqual(['/requestParameters/n']);
  });

  it('keeps an empty key and a literal (empty) key apart', async () => {
    const record = HOSTILE_RECORDS.find((candidate) => candidate.name === 'an empty key beside (empty)');

    const { items } = await ingest(logFileText([record?.text]));

    const parameters = items[0]?.requestParameters as Record<string, unknown>;
    expect(JSON.parse(parameters.labels as string)).toEqual({ '': 'a', '(empty)': 'b' });
    expect(items[0]?.changedPaths).toEqual(['/requestParameters/labels']);
  });

  it('stores a payload with more values to change than changedPaths lists as its JSON text, every value exact', async () => {
    const record = HOSTILE_RECORDS.find(
      (candidate) => candidate.name === 'more values to change than changedPaths lists',
    );

    const { items } = await ingest(logFileText([record?.text]));

    const stored = items[0]?.requestParameters as string;
    const expected = Object.fromEntries(
      Array.from({ length: 40 }, (_, index) => [`n${index}`, new ExactDecimal('-0')]),
    );
    expect(findDifference(decodeExactJson(stored), expected)).toBeUndefined();
    expect(items[0]?.changedPaths).toEqual(['/requestParameters']);
  });

  it('stores as JSON text the deepest map whose path fits changedPaths when a value under a long key must change', async () => {
    const record = HOSTILE_RECORDS.find((candidate) => candidate.name === 'a -0 under a key of 300 bytes');

    const { items } = await ingest(logFileText([record?.text]));

    const parameters = items[0]?.requestParameters as Record<string, unknown>;
    expect(
      findDifference(decodeExactJson(parameters.tags as string), {
        ['k'.repeat(300)]: new ExactDecimal('-0'),
        team: 'ml',
      }),
    ).toBeUndefined();
    expect(items[0]?.changedPaths).toEqual(['/requestParameters/tags']);
  });

  it('stores a string that is not well-formed Unicode as its JSON text', async () => {
    const record = HOSTILE_RECORDS.find((candidate) => candidate.name === 'a lone surrogate');

    const { items } = await ingest(logFileText([record?.text]));

    const parameters = items[0]?.requestParameters as Record<string, unknown>;
    expect(JSON.parse(parameters.name as string)).toBe('\ud800x');
  });
});

describe('the service comes from the top-level eventSource only', () => {
  it('does not file an S3 call under bedrock for a nested eventSource', async () => {
    const s3Call = makeRecord({
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventID: 's3-call',
      requestParameters: { filter: { eventSource: 'bedrock.amazonaws.com' } },
    });

    const { items, summary } = await ingest(logFileText([s3Call]));

    expect(items).toEqual([]);
    expect(summary).toMatchObject({ records: 1, mlEvents: 0, malformedRecords: 0 });
  });

  it('files a SageMaker call under sagemaker when bedrock is named inside it first', async () => {
    const text = `{"Records":[{"requestParameters":{"eventSource":"bedrock.amazonaws.com"},${JSON.stringify(makeRecord()).slice(1)}]}`;

    const { items } = await ingest(text);

    expect(items.map((item) => item.service)).toEqual(['sagemaker']);
  });

  it.each([
    ['upper case', '"SAGEMAKER.AMAZONAWS.COM"'],
    ['an escaped dot', '"sagemaker\\u002eamazonaws.com"'],
  ])('reads an eventSource written in %s as any JSON parser does', async (_name, eventSourceJson) => {
    const text = logFileText([
      JSON.stringify(makeRecord()).replace('"sagemaker.amazonaws.com"', eventSourceJson),
    ]);

    const { items, summary } = await ingest(text);

    expect(items.map((item) => item.service)).toEqual(['sagemaker']);
    expect(summary.mlEvents).toBe(1);
  });
});

describe('exact or refused, counted', () => {
  it('refuses eventIDs that are not UTF-8 instead of merging them, and keeps their neighbours', async () => {
    const invalid = (byte: number) =>
      Buffer.concat([
        Buffer.from(JSON.stringify(makeRecord({ eventID: '@@' })).split('@@')[0] as string),
        Buffer.from([0x65, byte]),
        Buffer.from(JSON.stringify(makeRecord({ eventID: '@@' })).split('@@')[1] as string),
      ]);
    const body = Buffer.concat([
      Buffer.from(`{"Records":[${good(1)[0]},`),
      invalid(0xfe),
      Buffer.from(','),
      invalid(0xff),
      Buffer.from(`,${good(1, 'after')[0]}]}`),
    ]);

    const { error, items } = await ingestFailure(body);

    expect(items.map((item) => item.eventID)).toEqual(['good-0', 'after-0']);
    expect(error.summary).toMatchObject({ records: 4, mlEvents: 2, malformedRecords: 2 });
    expect(error.message).toContain('record 1 is not valid UTF-8');
  });

  it.each([
    ['February 30th', '2024-02-30T10:00:00Z'],
    ['hour 24', '2024-06-02T24:00:00Z'],
    ['an offset that moves it to the year 10000', '9999-12-31T23:00:00-05:00'],
    ['a year before 0000 once in UTC', '0000-01-01T00:30:00+01:00'],
  ])('refuses an eventTime of %s as malformed and keeps the rest', async (_name, eventTime) => {
    const text = logFileText([makeRecord({ eventID: 'bad', eventTime }), makeRecord({ eventID: 'fine' })]);

    const { items, summary } = await ingest(text);

    expect(items.map((item) => item.eventID)).toEqual(['fine']);
    expect(summary.malformedRecords).toBe(1);
    expect(summary.malformed[0]).toMatchObject({
      eventId: 'bad',
      reason: expect.stringContaining('eventTime'),
    });
  });

  it('accepts February 29th of a leap year and an offset that stays within the years', async () => {
    const text = logFileText([
      makeRecord({ eventID: 'leap', eventTime: '2024-02-29T10:00:00Z' }),
      makeRecord({ eventID: 'offset', eventTime: '2024-06-02T23:30:00-05:00' }),
    ]);

    const { items } = await ingest(text);

    expect(items.map((item) => [item.eventTime, item.eventID])).toEqual([
      ['2024-02-29T10:00:00Z', 'leap'],
      ['2024-06-03T04:30:00Z', 'offset'],
    ]);
    expect(items[1]?.eventTimeAsLogged).toBe('2024-06-02T23:30:00-05:00');
  });
});

describe('records the reader cannot hold or check', () => {
  it.each([600, 100_000])(
    'skips a record nested %i levels deep, counted, and keeps the rest',
    async (levels) => {
      const deep = `{"eventSource":"s3.amazonaws.com","eventID":"deep","x":${'['.repeat(levels)}${']'.repeat(levels)}}`;
      const text = logFileText([good(1)[0], deep, good(1, 'after')[0]]);

      const { items, summary } = await ingest(text);

      expect(items.map((item) => item.eventID)).toEqual(['good-0', 'after-0']);
      expect(summary).toMatchObject({ records: 3, malformedRecords: 1 });
      expect(summary.malformed[0]).toMatchObject({ index: 1, eventId: 'deep' });
      expect(summary.malformed[0]?.reason).toContain('nesting deeper than 512 levels');
    },
  );

  it('drops a record over the record limit without holding it, counted with its eventID, and keeps the rest', async () => {
    const large = JSON.stringify(
      makeRecord({ eventID: 'large', requestParameters: { blob: 'x'.repeat(200_000) } }),
    );
    const text = logFileText([good(1)[0], large, good(1, 'after')[0]]);

    const { items, summary } = await ingest(text, { maxRecordBytes: 100_000 });

    expect(items.map((item) => item.eventID)).toEqual(['good-0', 'after-0']);
    expect(summary.malformed[0]).toMatchObject({ index: 1, eventId: 'large' });
    expect(summary.malformed[0]?.reason).toMatch(
      /larger than 100000 bytes .*eventSource sagemaker\.amazonaws\.com/,
    );
  });

  it('fails a file that decompresses past the ceiling, naming it, with what was read before', async () => {
    const text = logFileText(good(200));

    const { error, items } = await ingestFailure(text, { maxDecompressedBytes: 100_000 });

    expect(error.message).toContain('decompresses to more than the ceiling of 100000 bytes');
    expect(error.summary?.mlEvents).toBe(items.length);
    expect(items.length).toBeGreaterThan(0);
  });
});

describe('a file larger than the time left', () => {
  it('stops reading at the deadline and fails the file, with what was read before', async () => {
    let now = 0;
    const items: MlEventItem[] = [];
    const sink = {
      put: async (item: MlEventItem) => {
        items.push(item);
        now += 10;
      },
    };

    const failure = await ingestLogFile(
      { body: chunked(logFileText(good(2000))), logFile: LOG_FILE, deadline: 5_000, clock: () => now },
      DEFAULT_SERVICE_CATALOGUE,
      sink,
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LogFileError);
    expect((failure as LogFileError).message).toContain('out of time after 512 record(s)');
    expect((failure as LogFileError).summary?.mlEvents).toBe(512);
    expect(items).toHaveLength(512);
  });
});

describe('a payload of megabytes', () => {
  it('is cut to the start of its JSON text, the same text a whole serialization would start with', () => {
    const value = parseRecordJson(
      JSON.stringify({
        items: Array.from({ length: 50_000 }, (_, index) => ({ id: `item-${index}`, n: index })),
      }).replace('"n":7}', '"n":9007199254740993}'),
    );
    const changed: string[] = [];

    const payload = toStorablePayload(value, '/requestParameters', changed, 10_000);

    expect(payload).toEqual({ value: toJsonText(value).slice(0, 10_000), truncated: true });
    expect(changed).toEqual(['/requestParameters']);
    expect(toJsonTextStart(value, 100)).toBe(toJsonText(value).slice(0, 101));
  });
});
