import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MlEventItem } from '../../contract/ml-event-item';
import { LogFileError } from '../../lambda/core/errors';
import { ingestLogFile } from '../../lambda/core/ingest-log-file';
import { findRecordDefect } from '../../lambda/core/ml-event';
import { DEFAULT_SERVICE_CATALOGUE, type ServiceCatalogue } from '../../lambda/core/service-catalogue';
import {
  chunked,
  gzippedLogFile,
  itOverSharedSamples,
  logFileText,
  makeRecord,
  readInvalidPersonalizeSeed,
  readRealDigest,
  readRealMalformedSnippets,
  readRealRecords,
  readSeedRecords,
  readSharedJsonl,
} from '../support/factories';
import { mustIngestionFail } from '../support/unchecked-records';

const LOG_FILE = 's3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/f.json.gz';

async function ingest(
  body: Buffer | string,
  catalogue: ServiceCatalogue = DEFAULT_SERVICE_CATALOGUE,
  chunkSize?: number,
) {
  const items: MlEventItem[] = [];
  const summary = await ingestLogFile({ body: chunked(body, chunkSize), logFile: LOG_FILE }, catalogue, {
    put: async (item) => {
      items.push(item);
    },
  });
  return { items, summary };
}

/** Every record passes, and each valid ML-service record (at least `minimumMl`) becomes an item. */
async function expectEveryMlRecordKept(
  records: readonly Record<string, unknown>[],
  minimumMl: number,
): Promise<void> {
  const expectedMl = records.filter(
    (record) =>
      DEFAULT_SERVICE_CATALOGUE.has(record.eventSource as string) && findRecordDefect(record) === undefined,
  );

  const { items, summary } = await ingest(gzippedLogFile(records), DEFAULT_SERVICE_CATALOGUE, 8192);

  expect(summary.records).toBe(records.length);
  expect(items).toHaveLength(expectedMl.length);
  expect(items.length).toBeGreaterThanOrEqual(minimumMl);
  for (const item of items) {
    expect(item.principal.length).toBeGreaterThan(0);
    expect(item.principal).not.toBe('unknown');
    expect(item.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    if (['IAMUser', 'Root', 'Role'].includes(item.principalType))
      expect(item.principal).toBe(item.principalArn);
    if (item.principalType === 'AssumedRole')
      expect(item.principal).toMatch(/^arn:[^:]+:iam::[^:]*:role\/.+/);
    if (item.principalType === 'AWSService') expect(item.principal).toBe(item.invokedBy);
  }
}

/**
 * A file of a good record and `text` keeps the good record, and fails when `text` is not JSON,
 * unless `text` is a record of another service whose strings and brackets balance: such a record
 * is only delimited, never parsed.
 */
async function expectGoodRecordKeptBeside(text: string): Promise<void> {
  const log = `{"Records":[${JSON.stringify(makeRecord({ eventID: 'good' }))},${text}]}`;
  const body = gzipSync(log);
  const items: MlEventItem[] = [];
  const isJson = !(await mustIngestionFail(log, DEFAULT_SERVICE_CATALOGUE));

  const ingestion = ingestLogFile({ body: chunked(body), logFile: LOG_FILE }, DEFAULT_SERVICE_CATALOGUE, {
    put: async (item) => {
      items.push(item);
    },
  });

  if (isJson) await expect(ingestion).resolves.toMatchObject({ records: 2, mlEvents: 1 });
  else await expect(ingestion).rejects.toThrow(/at byte offset \d+/);
  expect(items.map((item) => item.eventID)).toEqual(['good']);
}

const NOT_A_LOG = /^s3:\/\/.+: (.+ at byte offset \d+|not a CloudTrail log: .+)$/;
const DIGEST_REJECTION = 'no Records array (a CloudTrail-Digest or other non-log JSON file?)';

async function ingestError(body: Buffer | string): Promise<LogFileError> {
  try {
    await ingest(body);
  } catch (error) {
    if (error instanceof LogFileError) return error;
    throw error;
  }
  throw new Error('expected the file to fail');
}

describe('ingestLogFile', () => {
  const seeds = readSeedRecords();

  it('turns a gzipped log of the seed examples into one item each', async () => {
    const records = Object.values(seeds);

    const { items, summary } = await ingest(gzippedLogFile(records), DEFAULT_SERVICE_CATALOGUE, 1000);

    expect(items.map((item) => `${item.service}:${item.eventName}`).sort()).toEqual([
      'forecast:CreateDataset',
      'iotanalytics:CreateChannel',
      'iotanalytics:CreateDataset',
      'lookoutmetrics:DescribeAnomalyDetector',
      'lookoutvision:CreateDataset',
    ]);
    expect(items.every((item) => `s3://trail-bucket/${item.logFile}` === LOG_FILE)).toBe(true);
    expect(summary).toMatchObject({ records: 5, mlEvents: 5, malformedRecords: 0 });
    expect(summary.eventsByService).toEqual({
      forecast: 1,
      iotanalytics: 2,
      lookoutmetrics: 1,
      lookoutvision: 1,
    });
  });

  it('fails on the published Personalize example, naming the file and the byte offset, after the good records before it', async () => {
    const body = gzipSync(logFileText([seeds['forecast-create-dataset'], readInvalidPersonalizeSeed()]));
    const items: MlEventItem[] = [];

    const failure = ingestLogFile({ body: chunked(body), logFile: LOG_FILE }, DEFAULT_SERVICE_CATALOGUE, {
      put: async (item) => {
        items.push(item);
      },
    });

    await expect(failure).rejects.toThrow(LogFileError);
    await expect(failure).rejects.toThrow(
      new RegExp(
        `^${LOG_FILE}: unescaped control character in a string \\(a missing quote\\?\\) at byte offset \\d+$`,
      ),
    );
    expect(items.map((item) => item.service)).toEqual(['forecast']);
  });

  it('passes every real fixture record without a crash and keeps each ML-service record', async () => {
    await expectEveryMlRecordKept(
      readRealRecords().map((real) => real.record),
      17,
    );
  });

  itOverSharedSamples(
    'passes every shared corpus record without a crash and keeps each ML-service record',
    async () => {
      await expectEveryMlRecordKept(readSharedJsonl<Record<string, unknown>>('records.jsonl'), 20);
    },
  );

  it('counts malformed records, with their eventID, and keeps the good ones beside them', async () => {
    const records = [
      makeRecord({ eventID: 'good-1' }),
      'null',
      '"a string"',
      makeRecord({ eventID: 'no-time', eventTime: undefined }),
      makeRecord({ eventID: 'good-2' }),
      { eventVersion: '1.08', eventTime: '2024-01-01T00:00:00Z', eventID: 'insight', insightDetails: {} },
    ];

    const { items, summary } = await ingest(gzippedLogFile(records));

    expect(items.map((item) => item.eventID)).toEqual(['good-1', 'good-2']);
    expect(summary.malformedRecords).toBe(4);
    expect(summary.malformed).toEqual([
      { index: 1, reason: 'record is null, not an object' },
      { index: 2, reason: 'record is string, not an object' },
      { index: 3, eventId: 'no-time', reason: 'record has no eventTime' },
      { index: 5, eventId: 'insight', reason: 'record has no eventSource' },
    ]);
  });

  it('ingests the good records around one that is not valid JSON, then fails the file', async () => {
    const broken = JSON.stringify(makeRecord({ eventID: 'broken' })).replace(
      '"eventName"',
      '"eventName" "x",',
    );
    const body = gzippedLogFile([
      makeRecord({ eventID: 'before' }),
      broken,
      makeRecord({ eventID: 'after' }),
    ]);
    const items: MlEventItem[] = [];

    const failure = ingestLogFile({ body: chunked(body), logFile: LOG_FILE }, DEFAULT_SERVICE_CATALOGUE, {
      put: async (item) => {
        items.push(item);
      },
    });

    await expect(failure).rejects.toThrow(
      /1 record\(s\) are not valid JSON; the others were ingested\. First: record 1 is not valid JSON: .* at byte offset \d+/,
    );
    expect(items.map((item) => item.eventID)).toEqual(['before', 'after']);
  });

  it('drops records of other services without parsing them', async () => {
    // Bytes that are not UTF-8 would be noted as malformed if the record were parsed.
    const otherService = Buffer.concat([
      Buffer.from(
        '{"eventSource":"s3.amazonaws.com","eventID":"s3-1","eventTime":"2024-06-02T20:15:00Z","note":"',
      ),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const body = Buffer.concat([
      Buffer.from('{"Records":['),
      otherService,
      Buffer.from(`,${JSON.stringify(makeRecord())}]}`),
    ]);

    const { items, summary } = await ingest(body);

    expect(items.map((item) => item.eventID)).toEqual(['evt-1']);
    expect(summary).toMatchObject({ records: 2, mlEvents: 1, malformedRecords: 0 });
  });

  it('keeps an ML event whose record also names another service inside it', async () => {
    const record = makeRecord({
      requestParameters: { rule: { eventSource: 's3.amazonaws.com' } },
      eventSource: 'bedrock.amazonaws.com',
    });

    const { items } = await ingest(gzippedLogFile([record]));

    expect(items.map((item) => item.service)).toEqual(['bedrock']);
  });

  it('uses a replaced catalogue', async () => {
    const catalogue = new Map([['s3.amazonaws.com', 'storage']]);
    const records = [makeRecord(), makeRecord({ eventSource: 's3.amazonaws.com', eventID: 's3' })];

    const { items } = await ingest(gzippedLogFile(records), catalogue);

    expect(items.map((item) => [item.service, item.eventID])).toEqual([['storage', 's3']]);
  });

  it('leaves out events already past their retention, counting them', async () => {
    const records = [
      makeRecord({ eventID: 'old', eventTime: '2024-01-01T00:00:00Z' }),
      makeRecord({ eventID: 'recent', eventTime: '2024-06-01T00:00:00Z' }),
    ];
    const items: MlEventItem[] = [];

    const summary = await ingestLogFile(
      {
        body: chunked(gzippedLogFile(records)),
        logFile: LOG_FILE,
        retentionDays: 30,
        nowEpochSeconds: Date.UTC(2024, 5, 15) / 1000,
      },
      DEFAULT_SERVICE_CATALOGUE,
      { put: async (item) => void items.push(item) },
    );

    expect(items.map((item) => item.eventID)).toEqual(['recent']);
    expect(summary).toMatchObject({ mlEvents: 2, expiredEvents: 1 });
  });

  it('accepts an uncompressed JSON log', async () => {
    const { items } = await ingest(logFileText([makeRecord()]));

    expect(items).toHaveLength(1);
  });

  it.each([
    [
      'a truncated gzip',
      () => gzippedLogFile([makeRecord(), makeRecord()]).subarray(0, 100),
      /truncated gzip \(unexpected end of file\) at byte offset \d+/,
    ],
    [
      'a corrupt gzip',
      () => {
        const body = Buffer.from(gzippedLogFile([makeRecord()]));
        body.fill(0x41, 20, 40);
        return body;
      },
      /corrupt gzip \(.+\) at byte offset \d+/,
    ],
    ['a body without Records', () => gzipSync('{"foo":[]}'), /no Records array/],
    ['Records that is not an array', () => gzipSync('{"Records":"x"}'), /Records is not an array/],
    ['an empty gzip', () => gzipSync(''), /the file is empty/],
  ])('fails on %s with a clear error naming the file', async (_name, body, message) => {
    const error = await ingestError(body());

    expect(error.message.startsWith(`${LOG_FILE}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('rejects the real digest file as not a log', async () => {
    const error = await ingestError(gzipSync(JSON.stringify(readRealDigest())));

    expect(error.message).toContain(DIGEST_REJECTION);
  });

  itOverSharedSamples('rejects every shared corpus digest as not a log', async () => {
    for (const digest of readSharedJsonl('digests.jsonl')) {
      const error = await ingestError(gzipSync(JSON.stringify(digest)));

      expect(error.message).toContain(DIGEST_REJECTION);
    }
  });

  const snippets = readRealMalformedSnippets();

  it.each(snippets.map((snippet, index) => [index, snippet.source.file, snippet.text]))(
    'rejects real malformed snippet %i (%s) as a log file',
    async (_index, _file, text) => {
      const error = await ingestError(gzipSync(text));

      expect(error.message).toMatch(NOT_A_LOG);
    },
  );

  it.each(snippets.map((snippet, index) => [index, snippet.source.file, snippet.text]))(
    'keeps the good record beside real malformed snippet %i (%s), and fails the file when the snippet is a kept record that is not JSON',
    async (_index, _file, text) => {
      await expectGoodRecordKeptBeside(text);
    },
  );

  itOverSharedSamples(
    'rejects every malformed snippet of the shared corpus as a log file, and keeps a good record beside each',
    async () => {
      for (const { text } of readSharedJsonl<{ text: string }>('malformed-snippets.jsonl')) {
        const error = await ingestError(gzipSync(text));

        expect(error.message, text).toMatch(NOT_A_LOG);
        await expectGoodRecordKeptBeside(text);
      }
    },
  );

  it('fails a file of AWS event notifications, which is not a CloudTrail log', async () => {
    const notification = {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventTime: '2024-01-01T00:00:00Z',
      eventName: 'ObjectCreated:Put',
    };

    const error = await ingestError(gzippedLogFile([notification]));

    expect(error.message).toContain('not a CloudTrail log: none of its 1 record(s) is a CloudTrail record');
    expect(error.message).toContain('AWS event notification (an eventSource aws:<service>)');
  });

  it('accepts a log with an empty Records array', async () => {
    const { items, summary } = await ingest(gzippedLogFile([]));

    expect(items).toEqual([]);
    expect(summary.records).toBe(0);
  });
});
