import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { INGEST_FORMATS, readRecordsOfAnyFormat } from '../../cli/ingest-formats';
import type { MlEventItem } from '../../contract/ml-event-item';
import { LogFileError } from '../../lambda/core/errors';
import { ingestLogFile, type LogReadSummary } from '../../lambda/core/ingest-log-file';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';

const FIXTURES = 'test/fixtures/ingest-formats';
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** Six ML events of the fixtures' eight records: the Bedrock one without eventTime and eventID is malformed. */
const ML_EVENT_IDS = [
  'bc77875f-9fe5-4b65-8384-c9f82c392f46',
  '535ca22b-b3a3-4c13-b2c5-bf51ab082794',
  'b356b0fd-ea01-436f-a9df-e1186b275bfa',
  'a6f85b21-EXAMPLE',
  '1dc75278-84d7-4bb2-861a-493d08d67391',
  '906c4056-df1e-4565-a40b-2ba216a0c849',
];

async function* chunksOf(bytes: Buffer, size = 97): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

async function ingest(bytes: Buffer): Promise<{ items: MlEventItem[]; read: LogReadSummary }> {
  const items: MlEventItem[] = [];
  const read = await ingestLogFile(
    { body: chunksOf(bytes), logFile: 'file:///sample', readRecords: readRecordsOfAnyFormat },
    DEFAULT_SERVICE_CATALOGUE,
    { put: async (item) => void items.push(item) },
  );
  return { items, read };
}

async function failureOf(bytes: Buffer): Promise<LogFileError> {
  const error = await ingest(bytes).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LogFileError);
  return error as LogFileError;
}

function withoutOrigin(items: readonly MlEventItem[]): Omit<MlEventItem, 'logFile'>[] {
  return items.map(({ logFile: _, ...item }) => item as Omit<MlEventItem, 'logFile'>);
}

describe('readRecordsOfAnyFormat', () => {
  it('reads a CloudTrail log file as the function does', async () => {
    const { items, read } = await ingest(fixture('log-file.json'));

    expect(items.map((item) => item.eventID)).toEqual(ML_EVENT_IDS);
    expect(read).toMatchObject({ records: 8, mlEvents: 6, malformedRecords: 1 });
  });

  it.each([
    ['JSON Lines of records', 'records.jsonl'],
    ['gzipped JSON Lines of records', 'records.jsonl', true],
    ['one record, pretty-printed', 'record.txt'],
    ['EventBridge events, one a line', 'eventbridge-events.jsonl'],
    ['a JSON array of EventBridge events', 'eventbridge-events.json'],
    ['one EventBridge event', 'eventbridge-event.json'],
    ['aws cloudtrail lookup-events output', 'lookup-events.json'],
    ['gzipped lookup-events output', 'lookup-events.json', true],
  ])('makes of %s the items the log file makes', async (_, name, gzipped?: boolean) => {
    const expected = withoutOrigin((await ingest(fixture('log-file.json'))).items);
    const { items } = await ingest(gzipped ? gzipSync(fixture(name)) : fixture(name));

    const byId = new Map(expected.map((item) => [item.eventID, item]));
    expect(items.length).toBeGreaterThan(0);
    for (const item of withoutOrigin(items)) expect(item).toEqual(byId.get(item.eventID));
  });

  it('counts every record of JSON Lines and of lookup-events output, the malformed one included', async () => {
    for (const name of ['records.jsonl', 'lookup-events.json']) {
      const { items, read } = await ingest(fixture(name));

      expect(items.map((item) => item.eventID)).toEqual(ML_EVENT_IDS);
      expect(read).toMatchObject({ records: 8, mlEvents: 6, malformedRecords: 1 });
    }
  });

  it('keeps the CloudTrail records of EventBridge events and counts the event that carries none', async () => {
    const { items, read } = await ingest(fixture('eventbridge-events.json'));

    expect(items.map((item) => item.eventID)).toEqual(ML_EVENT_IDS);
    expect(read).toMatchObject({ records: 9, mlEvents: 6, malformedRecords: 2 });
    expect(read.malformed.map((note) => note.reason)).toContainEqual(
      expect.stringMatching(
        /^element 8 is an EventBridge event that does not carry a CloudTrail record at byte offset \d+$/,
      ),
    );
  });

  it('ingests the lines around a broken one and fails the file naming the line and its offset', async () => {
    const bytes = fixture('records-with-a-broken-line.jsonl');
    const brokenAt = bytes.indexOf('\n', bytes.indexOf('\n') + 1) + 1;
    const items: MlEventItem[] = [];

    const error = await ingestLogFile(
      { body: chunksOf(bytes), logFile: 'file:///sample.jsonl', readRecords: readRecordsOfAnyFormat },
      DEFAULT_SERVICE_CATALOGUE,
      { put: async (item) => void items.push(item) },
    ).catch((caught: unknown) => caught as LogFileError);

    expect(items.map((item) => item.eventID)).toEqual(ML_EVENT_IDS);
    expect(error).toBeInstanceOf(LogFileError);
    expect((error as LogFileError).message).toMatch(
      new RegExp(
        `^file:///sample\\.jsonl: 1 record\\(s\\) are not valid JSON; the others were ingested\\. First: line 3 is not valid JSON \\(.+\\) at byte offset ${brokenAt}$`,
      ),
    );
    expect((error as LogFileError).summary).toMatchObject({ records: 9, mlEvents: 6, malformedRecords: 2 });
  });

  describe('of CloudTrail Lake results', () => {
    it.each([
      ['get-query-results output', 'lake-query-results.json', false],
      ['a saved result file', 'lake-result_1.csv', true],
    ])('reads %s back into records, the principal from its userIdentity', async (_, name, gzipped) => {
      const expected = withoutOrigin((await ingest(fixture('log-file.json'))).items);
      const { items, read } = await ingest(gzipped ? gzipSync(fixture(name)) : fixture(name));

      expect(read).toMatchObject({ records: 7, mlEvents: 6, malformedRecords: 0 });
      expect(items.map((item) => item.eventID)).toEqual(ML_EVENT_IDS);
      const fields = (item: Omit<MlEventItem, 'logFile'>) => ({
        service: item.service,
        eventTime: item.eventTime,
        eventName: item.eventName,
        recipientAccountId: item.recipientAccountId,
        principal: item.principal,
        principalType: item.principalType,
        principalArn: item.principalArn,
        actor: item.actor,
        accessKeyId: item.accessKeyId,
        mfaAuthenticated: item.mfaAuthenticated,
        readOnly: item.readOnly,
        awsRegion: item.awsRegion,
        sourceIPAddress: item.sourceIPAddress,
      });
      expect(withoutOrigin(items).map(fields)).toEqual(expected.map(fields));
    });
  });

  it('fails a file in no format it reads, naming the formats', async () => {
    const error = await failureOf(fixture('unknown-format.yaml'));

    expect(error.message).toBe(
      `file:///sample: not a format mltrail reads (it is not JSON and not a CSV with an eventID column); it reads ${INGEST_FORMATS.join('; ')} at byte offset 0`,
    );
  });

  it('fails one JSON object that is neither a record nor an event, naming the formats', async () => {
    const error = await failureOf(Buffer.from('{"awsAccountId":"123456789012","logFiles":[]}'));

    expect(error.message).toContain('not a format mltrail reads (one JSON value that is neither');
    expect(error.message).toContain(INGEST_FORMATS[0]);
  });

  it('fails a truncated lookup-events output with the byte offset, keeping the events before the break', async () => {
    const whole = fixture('lookup-events.json');
    const cut = whole.subarray(0, whole.indexOf('"CloudTrailEvent"', whole.indexOf('a6f85b21-EXAMPLE')) + 10);

    const error = await failureOf(cut);

    expect(error.message).toMatch(
      /^file:\/\/\/sample: unexpected end of input inside a string at byte offset \d+$/,
    );
    expect(error.summary).toMatchObject({ mlEvents: 3 });
  });
});
