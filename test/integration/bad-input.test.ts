import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip, gzipSync } from 'node:zlib';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { s3EventNotificationBody } from '../../cli/s3-event-message';
import { ENV } from '../../contract/environment';
import type { MlEventItem } from '../../contract/ml-event-item';
import { DynamoDbEventWriter } from '../../lambda/adapters/dynamodb-event-writer';
import type { S3GetObjectClient } from '../../lambda/adapters/s3-get-object';
import { openS3Object } from '../../lambda/adapters/s3-log-source';
import { loadConfig } from '../../lambda/config';
import { LogFileError } from '../../lambda/core/errors';
import { createIngestHandler, type FileReport } from '../../lambda/ingest-handler';
import {
  type FlushableSink,
  type IngestSettings,
  ingestLogObject,
  LogObjectFailedError,
  type ObjectOutcome,
  type OpenedObject,
} from '../../lambda/ingest-object';
import { gzippedLogFile, logFileText, logObjectKey, makeRecord } from '../support/factories';
import { createTestTable, localDynamoDb, localS3Client, localS3ObjectReader } from '../support/local-aws';

const BUCKET = 'trail-bucket';
const MIB = 1024 ** 2;
const BOMB_CEILING_BYTES = 256 * MIB;
// Memory a read may take beyond what it started with: well under the ceiling it reads up to.
const MAX_READ_MEMORY_GROWTH_BYTES = 48 * MIB;

function liveBytes(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/** V8's garbage collector: what a read holds is measured, not what it has yet to free. */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Notes the most memory held while a file is read: between its chunks, and after a collection at
 * each item (the records of a chunk are all held while its items are written).
 */
class MemoryPeak {
  private readonly collectGarbage = garbageCollector();
  private readonly start: number;
  private peak: number;

  constructor() {
    this.collectGarbage();
    this.start = liveBytes();
    this.peak = this.start;
  }

  sample(collect = false): void {
    if (collect) this.collectGarbage();
    this.peak = Math.max(this.peak, liveBytes());
  }

  get growthBytes(): number {
    return this.peak - this.start;
  }

  /** The object, its body sampled between chunks. */
  watchBody(opened: OpenedObject): OpenedObject {
    const sample = () => this.sample();
    async function* body(): AsyncGenerator<Uint8Array> {
      for await (const chunk of opened.body) {
        sample();
        yield chunk;
      }
    }
    return { ...opened, body: Object.assign(body(), { destroy: () => opened.body.destroy?.() }) };
  }

  /** The sink, sampled at each item. */
  watchSink(sink: FlushableSink): FlushableSink {
    return {
      put: (item) => {
        this.sample(true);
        return sink.put(item);
      },
      flush: () => sink.flush(),
      written: () => sink.written(),
    };
  }
}

function good(eventId: string): Record<string, unknown> {
  return makeRecord({ eventID: eventId });
}

/** A record as raw bytes with `bytes` in the middle of its requestParameters' `note` string. */
function withBytesInString(record: Record<string, unknown>, bytes: readonly number[]): Buffer {
  const [before, after] = JSON.stringify({ ...record, requestParameters: { note: '@@' } }).split('@@');
  return Buffer.concat([Buffer.from(before as string), Buffer.from(bytes), Buffer.from(after as string)]);
}

function logOfBuffers(records: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{"Records":[')];
  records.forEach((record, index) => {
    if (index > 0) parts.push(Buffer.from(','));
    parts.push(record);
  });
  parts.push(Buffer.from(']}'));
  return gzipSync(Buffer.concat(parts));
}

/**
 * A gzip bomb, made by streaming: `fillBytes` of one byte between a head and a tail. Only the
 * compressed bytes (a few MB per GiB) are ever held.
 */
async function gzipBomb(head: string, fill: string, fillBytes: number, tail: string): Promise<Buffer> {
  const filling = Buffer.alloc(MIB, fill);
  async function* log(): AsyncGenerator<Buffer> {
    yield Buffer.from(head);
    for (let written = 0; written < fillBytes; written += filling.length) yield filling;
    yield Buffer.from(tail);
  }
  const compressed: Buffer[] = [];
  for await (const chunk of Readable.from(log()).pipe(createGzip({ level: 1 }))) compressed.push(chunk);
  return Buffer.concat(compressed);
}

type Expected =
  | { readonly status: 'skipped'; readonly reason: 'empty' }
  | {
      readonly status: 'ingested';
      readonly eventIds: readonly string[];
      /** What the summary notes of the one malformed record, when one is. */
      readonly malformed?: RegExp;
    }
  | {
      readonly status: 'failed';
      /** The message after `s3://bucket/key: `. */
      readonly detail: RegExp;
      /** Items written before the failure. */
      readonly eventIds?: readonly string[];
    };

interface BadInput {
  readonly name: string;
  readonly body: () => Buffer | Promise<Buffer>;
  readonly expected: Expected;
  /** The size the notification gives, when it gives one. */
  readonly notifiedSize?: number;
  /** Environment the function is configured with, beside the table name. */
  readonly environment?: Readonly<Record<string, string>>;
  /** The object's key name ends in `.json` rather than `.json.gz`. */
  readonly plainName?: boolean;
  /** The read's memory is checked to stay bounded, whatever the file's size. */
  readonly boundedMemory?: boolean;
}

const truncatedGzip = () => gzippedLogFile([good('a'), good('b')]).subarray(0, 100);
const corruptGzip = () => {
  const body = Buffer.from(gzippedLogFile([good('a')]));
  body.fill(0x41, 20, 40);
  return body;
};
const gzipWithBadChecksum = () => {
  const body = Buffer.from(gzippedLogFile([good('before-check')]));
  const crc = body.length - 8;
  body[crc] = (body[crc] as number) ^ 0xff;
  return body;
};
const deepRecord = `{"eventSource":"sagemaker.amazonaws.com","eventID":"deep","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
// A good record, then ten thousand that are not JSON, ten times.
const invalidAmongGood = Array.from({ length: 10 }, (_, index) => [
  good(`good-${index}`),
  ...Array<string>(10_000).fill('{"a" 1}'),
]).flat();
const recordOf5Mb = makeRecord({
  eventID: 'five-mb',
  requestParameters: { blob: 'x'.repeat(5 * 1000 * 1000) },
});

/** Each bad input, with what mltrail does with it (the README's Reliability table points here). */
const BAD_INPUTS: readonly BadInput[] = [
  {
    name: 'fails on a corrupt gzip, naming the file and the byte offset',
    body: corruptGzip,
    expected: { status: 'failed', detail: /^corrupt gzip \(.+\) at byte offset \d+$/ },
  },
  {
    name: 'fails on a truncated gzip, naming the file and the byte offset',
    body: truncatedGzip,
    expected: { status: 'failed', detail: /^truncated gzip \(unexpected end of file\) at byte offset \d+$/ },
  },
  {
    name: 'fails on a gzip whose checksum does not match, naming the file',
    body: gzipWithBadChecksum,
    expected: { status: 'failed', detail: /^corrupt gzip \(incorrect data check\) at byte offset \d+$/ },
  },
  {
    name: 'fails on an empty gzip as an empty file',
    body: () => gzipSync(''),
    expected: { status: 'failed', detail: /^the file is empty at byte offset 0$/ },
  },
  {
    name: 'skips a zero-byte object as empty, reading nothing from its body',
    body: () => Buffer.alloc(0),
    expected: { status: 'skipped', reason: 'empty' },
  },
  {
    name: 'skips a zero-byte object the notification gives size 0, before any GetObject',
    body: () => Buffer.alloc(0),
    notifiedSize: 0,
    expected: { status: 'skipped', reason: 'empty' },
  },
  {
    name: 'ingests a plain (not gzipped) JSON log under .json.gz: the magic number decides, not the name',
    body: () => Buffer.from(logFileText([good('plain')])),
    expected: { status: 'ingested', eventIds: ['plain'] },
  },
  {
    name: 'ingests a gzipped log under .json',
    body: () => gzippedLogFile([good('gzipped')]),
    plainName: true,
    expected: { status: 'ingested', eventIds: ['gzipped'] },
  },
  {
    name: 'fails on a body under .json.gz that is neither gzip nor JSON, naming the first byte',
    body: () => Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]),
    expected: { status: 'failed', detail: /^expected a JSON object, found a letter at byte offset 0$/ },
  },
  {
    name: 'fails on a body that is a JSON array',
    body: () => gzipSync(JSON.stringify([good('in-array')])),
    expected: { status: 'failed', detail: /^expected a JSON object, found '\[' at byte offset 0$/ },
  },
  {
    name: 'fails on a body that is a JSON string',
    body: () => gzipSync(JSON.stringify('{"Records":[]}')),
    expected: { status: 'failed', detail: /^expected a JSON object, found '"' at byte offset 0$/ },
  },
  {
    name: 'fails on Records that is an object, not an array',
    body: () => gzipSync('{"Records": {}}'),
    expected: { status: 'failed', detail: /^Records is not an array \(found '\{'\) at byte offset 12$/ },
  },
  {
    name: 'ingests a record of 5 MB, its payload cut to fit the item and flagged',
    body: () => gzippedLogFile([good('before'), recordOf5Mb, good('after')]),
    expected: { status: 'ingested', eventIds: ['before', 'five-mb', 'after'] },
  },
  {
    name: 'skips a record nested 100,000 levels deep, counted, and ingests the others',
    body: () => gzippedLogFile([good('before'), deepRecord, good('after')]),
    expected: {
      status: 'ingested',
      eventIds: ['before', 'after'],
      malformed:
        /^record 1: nesting deeper than 512 levels at byte offset \d+ \(eventSource sagemaker\.amazonaws\.com\)$/,
    },
  },
  {
    name: 'refuses an ML record with invalid UTF-8 in a string, counted, ingests the others, then fails the file',
    body: () =>
      logOfBuffers([
        Buffer.from(JSON.stringify(good('before'))),
        withBytesInString(good('not-utf8'), [0x61, 0xc3, 0x28, 0xff]),
        Buffer.from(JSON.stringify(good('after'))),
      ]),
    expected: {
      status: 'failed',
      detail:
        /^1 record\(s\) are not valid JSON; the others were ingested\. First: record 1 is not valid UTF-8 at byte offset \d+$/,
      eventIds: ['before', 'after'],
    },
  },
  {
    name: 'fails on a log of 100,000 records that are not valid JSON among good ones, counting them and naming the first, its memory bounded',
    body: () => gzipSync(logFileText(invalidAmongGood)),
    boundedMemory: true,
    expected: {
      status: 'failed',
      detail:
        /^100000 record\(s\) are not valid JSON; the others were ingested\. First: record 1 is not valid JSON: unexpected a digit \(a missing ',' or quote\?\) at byte offset \d+$/,
      eventIds: Array.from({ length: 10 }, (_, index) => `good-${index}`),
    },
  },
  {
    name: "ignores invalid UTF-8 in a string of another service's record, and ingests the file",
    body: () =>
      logOfBuffers([
        withBytesInString(makeRecord({ eventSource: 's3.amazonaws.com', eventID: 's3' }), [0xc3, 0x28, 0xff]),
        Buffer.from(JSON.stringify(good('ml'))),
      ]),
    expected: { status: 'ingested', eventIds: ['ml'] },
  },
  ...(
    [
      [
        'spaces in a string',
        '{"Records":[{"eventSource":"sagemaker.amazonaws.com","eventID":"bomb","note":"',
        ' ',
        '"}]}',
      ],
      ['a top-level key', '{"', 'k', '":1,"Records":[]}'],
      ['a number in a record', '{"Records":[{"eventSource":"sagemaker.amazonaws.com","n":1', '0', '}]}'],
    ] as const
  ).map(
    ([what, head, fill, tail]): BadInput => ({
      name: `fails on a gzip bomb of ${what} past ${ENV.MAX_LOG_FILE_BYTES}, naming the ceiling, its memory bounded`,
      body: () => gzipBomb(head, fill, 1024 * MIB, tail),
      environment: { [ENV.MAX_LOG_FILE_BYTES]: String(BOMB_CEILING_BYTES) },
      boundedMemory: true,
      expected: {
        status: 'failed',
        detail: new RegExp(
          `^the file decompresses to more than the ceiling of ${BOMB_CEILING_BYTES} bytes \\(a gzip bomb\\?\\) at byte offset ${BOMB_CEILING_BYTES}$`,
        ),
      },
    }),
  ),
];

async function scanItems(tableName: string): Promise<MlEventItem[]> {
  const { documents } = localDynamoDb();
  const page = await documents.send(new ScanCommand({ TableName: tableName }));
  return (page.Items ?? []) as MlEventItem[];
}

describe('bad input, one log object each, from s3rver into DynamoDB Local', () => {
  const { client } = localDynamoDb();
  let server: LocalS3Server;
  let s3: S3Client;
  let reader: S3GetObjectClient;

  beforeAll(async () => {
    server = await startLocalS3({ buckets: [BUCKET] });
    s3 = localS3Client(server.endpoint);
    reader = localS3ObjectReader(server.endpoint);
  });

  afterAll(async () => {
    s3?.destroy();
    reader?.destroy();
    await server?.stop();
  });

  it.each(BAD_INPUTS.map((input, index) => [input.name, input, index] as const))(
    '%s',
    async (_name, input, index) => {
      const tableName = await createTestTable(client, 'bad-input');
      const key = logObjectKey({ id: `Bad${String(index).padStart(5, '0')}` }).replace(
        /\.gz$/,
        input.plainName ? '' : '.gz',
      );
      const logFile = `s3://${BUCKET}/${key}`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await input.body() }));
      const settings: IngestSettings = loadConfig({ [ENV.TABLE_NAME]: tableName, ...input.environment });

      let getObjectCalls = 0;
      const memory = input.boundedMemory ? new MemoryPeak() : undefined;

      const outcome = await ingestLogObject(
        { logFile, key, size: input.notifiedSize },
        async () => {
          getObjectCalls += 1;
          const opened = await openS3Object(reader, BUCKET, key);
          return memory ? memory.watchBody(opened) : opened;
        },
        () => {
          const writer = new DynamoDbEventWriter(client, tableName);
          return memory ? memory.watchSink(writer) : writer;
        },
        settings,
      ).then(
        (result: ObjectOutcome) => result,
        (error: unknown) => error,
      );

      const items = await scanItems(tableName);
      const { expected } = input;
      expect(getObjectCalls).toBe(input.notifiedSize === 0 ? 0 : 1);
      if (expected.status === 'failed') {
        expect(outcome).toBeInstanceOf(LogObjectFailedError);
        expect((outcome as LogObjectFailedError).cause).toBeInstanceOf(LogFileError);
        const { message } = outcome as LogObjectFailedError;
        expect(message.startsWith(`${logFile}: `), message).toBe(true);
        expect(message.slice(logFile.length + 2)).toMatch(expected.detail);
        expect(items.map((item) => item.eventID).sort()).toEqual([...(expected.eventIds ?? [])].sort());
      } else if (expected.status === 'skipped') {
        expect(outcome).toEqual({ logFile, status: 'skipped', reason: expected.reason });
        expect(items).toEqual([]);
      } else {
        expect(outcome).toMatchObject({ logFile, status: 'ingested' });
        const ingested = outcome as Extract<ObjectOutcome, { status: 'ingested' }>;
        expect(ingested.itemsWritten).toBe(expected.eventIds.length);
        expect(items.map((item) => item.eventID).sort()).toEqual([...expected.eventIds].sort());
        expect(ingested.malformedRecords).toBe(expected.malformed ? 1 : 0);
        if (expected.malformed) expect(ingested.malformed[0]?.reason).toMatch(expected.malformed);
      }
      if (memory) expect(memory.growthBytes).toBeLessThan(MAX_READ_MEMORY_GROWTH_BYTES);
    },
  );

  it('stores the 5 MB record with its payload cut to its start, flagged as truncated and changed', async () => {
    const tableName = await createTestTable(client, 'five-mb');
    const key = logObjectKey({ id: 'FiveMb01' });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzippedLogFile([recordOf5Mb]) }));

    await ingestLogObject(
      { logFile: `s3://${BUCKET}/${key}`, key },
      () => openS3Object(reader, BUCKET, key),
      () => new DynamoDbEventWriter(client, tableName),
      loadConfig({ [ENV.TABLE_NAME]: tableName }),
    );

    const [item] = await scanItems(tableName);
    expect(item?.requestParametersTruncated).toBe(true);
    expect(String(item?.requestParameters).startsWith('{"blob":"xxxx')).toBe(true);
    expect(Buffer.byteLength(String(item?.requestParameters))).toBeLessThanOrEqual(128 * 1024);
    expect(item?.changedPaths).toEqual(['/requestParameters']);
  });
});

function recordingLogger(errors: unknown[]): Logger {
  const ignore = () => undefined;
  return {
    info: ignore,
    warn: ignore,
    error: (_message: string, data: unknown) => errors.push(data),
  } as unknown as Logger;
}

function sqsEventOf(body: string): SQSEvent {
  return {
    Records: [
      {
        messageId: 'message-1',
        receiptHandle: 'handle-1',
        body,
        attributes: {} as SQSEvent['Records'][number]['attributes'],
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:mltrail-queue',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

describe('object keys as S3 event notifications encode them, through the handler', () => {
  const { client, documents } = localDynamoDb();
  let server: LocalS3Server;
  let s3: S3Client;
  let reader: S3GetObjectClient;

  beforeAll(async () => {
    server = await startLocalS3({ buckets: [BUCKET] });
    s3 = localS3Client(server.endpoint);
    reader = localS3ObjectReader(server.endpoint);
  });

  afterAll(async () => {
    s3?.destroy();
    reader?.destroy();
    await server?.stop();
  });

  it.each([
    ['spaces', 'audit logs/trail one', 'Space001'],
    ['a plus sign', 'audit+logs/a+b', 'Plus0001'],
    ['unicode', 'prüfung/日本語/😀', 'Unicode1'],
    ['a percent sign', 'audit%logs/50%41/100%', 'Percent1'],
    ['all of them', 'a b+c%20d/é%2B', 'AllOf001'],
  ])('ingests a file whose key holds %s, from its URL-encoded notification', async (_name, prefix, id) => {
    const tableName = await createTestTable(client, 'keys');
    const key = logObjectKey({ prefix, id });
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzippedLogFile([good(`key-${id}`)]) }),
    );
    const reports: FileReport[] = [];
    const errors: unknown[] = [];
    const handler = createIngestHandler({
      config: loadConfig({ [ENV.TABLE_NAME]: tableName }),
      s3: reader,
      dynamodb: documents,
      logger: recordingLogger(errors),
      metrics: new Metrics({ namespace: 'mltrail-test' }),
      onFileReport: (report) => reports.push(report),
    });

    const response = await handler(sqsEventOf(s3EventNotificationBody({ bucket: BUCKET, key, size: 100 })), {
      getRemainingTimeInMillis: () => 300_000,
    } as Context);

    expect(errors).toEqual([]);
    expect(response?.batchItemFailures).toEqual([]);
    expect(reports).toMatchObject([
      { logFile: `s3://${BUCKET}/${key}`, status: 'ingested', itemsWritten: 1 },
    ]);
    expect((await scanItems(tableName)).map((item) => item.eventID)).toEqual([`key-${id}`]);
  });
});
