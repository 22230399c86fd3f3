import { describe, expect, it } from 'vitest';
import { dayRangeOf, overlapsRange, parseTimeOption } from '../../cli/date-range';
import { csvLine, toIndentedJsonText } from '../../cli/event-output';
import { formatSummary, IngestTally } from '../../cli/ingest-tally';
import { createProgress, formatProgress } from '../../cli/progress';
import { encodeS3EventKey, s3EventNotificationBody } from '../../cli/s3-event-message';
import { regionOfQueueUrl } from '../../cli/sqs-queue-url';
import { formatEventTable } from '../../cli/table-output';
import { ExactNumber } from '../../contract/exact-number';
import type { MlEventSummary } from '../../contract/ml-event-item';
import { SKIP_REASONS } from '../../lambda/core/log-object-selection';
import { objectsOfMessageBody } from '../../lambda/core/notifications';

function summary(overrides: Partial<MlEventSummary> = {}): MlEventSummary {
  return {
    eventID: 'a8d388e2-3111-44bf-b78f-b0e263dc3d25',
    eventTime: '2024-06-02T20:15:00Z',
    keyShard: 0,
    service: 'forecast',
    eventName: 'CreateDataset',
    principal: 'arn:aws:iam::123456789012:role/MlRole',
    principalType: 'AssumedRole',
    recipientAccountId: '123456789012',
    awsRegion: 'eu-west-1',
    ...overrides,
  };
}

describe('event table', () => {
  it('shows time, service, event, principal, actor, account, region, outcome and eventID when they fit', () => {
    const { lines, notes } = formatEventTable(
      [
        summary({ actor: 'alice' }),
        summary({ service: 'sagemaker', errorCode: 'AccessDenied', eventID: 'e-2' }),
      ],
      180,
    );

    expect(lines).toEqual([
      'TIME (UTC)            SERVICE    EVENT          PRINCIPAL                              ACTOR  ACCOUNT       REGION     OUTCOME       EVENT ID',
      '2024-06-02T20:15:00Z  forecast   CreateDataset  arn:aws:iam::123456789012:role/MlRole  alice  123456789012  eu-west-1  ok            a8d388e2-3111-44bf-b78f-b0e263dc3d25',
      '2024-06-02T20:15:00Z  sagemaker  CreateDataset  arn:aws:iam::123456789012:role/MlRole  -      123456789012  eu-west-1  AccessDenied  e-2',
    ]);
    expect(notes).toEqual([]);
  });

  it('fits the width by dropping the columns of one value first, and says what they held', () => {
    const events = [summary({ awsRegion: 'us-east-1' }), summary({ awsRegion: 'eu-west-1', eventID: 'e-2' })];

    const { lines, notes } = formatEventTable(events, 150);

    expect(lines[0]).toBe(
      'TIME (UTC)            SERVICE   EVENT          PRINCIPAL                              REGION     OUTCOME  EVENT ID',
    );
    expect(notes).toEqual(['account 123456789012']);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(150);
    expect(formatEventTable(events, 100).dropped).toEqual(['REGION', 'EVENT ID']);
  });

  it.each([200, 120, 80, 40])('never cuts a principal, at %i columns', (width) => {
    const principal = `arn:aws:sts::123456789012:assumed-role/${'a'.repeat(80)}/session`;
    const events = [
      summary({ principal, actor: 'alice', eventName: 'CreateDatasetImportJobWithAVeryLongName' }),
      summary({ actor: 'bob', recipientAccountId: '210987654321', awsRegion: 'us-east-1' }),
    ];

    const { lines } = formatEventTable(events, width);

    expect(lines[1]).toContain(principal);
    expect(lines[2]).toContain('arn:aws:iam::123456789012:role/MlRole');
    // At 200 the whole table fits; below, the principal is kept whole and the line is longer.
    if (width === 200) expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(width);
  });

  it('drops eventID, then actor, region and account, then shortens the event name', () => {
    const events = [
      summary({ actor: 'alice', eventName: 'CreateDatasetImportJob' }),
      summary({ actor: 'bob', recipientAccountId: '210987654321', awsRegion: 'us-east-1', eventID: 'e-2' }),
    ];
    const header = (width: number) => formatEventTable(events, width).lines[0];

    expect(header(175)).toContain('EVENT ID');
    expect(header(170)).not.toContain('EVENT ID');
    expect(header(170)).toContain('ACTOR');
    expect(header(130)).not.toContain('ACTOR');
    expect(header(130)).toContain('REGION');
    expect(header(120)).not.toContain('REGION');
    expect(header(120)).toContain('ACCOUNT');
    expect(header(100)).toBe(
      'TIME (UTC)            SERVICE   EVENT                 PRINCIPAL                              OUTCOME',
    );
    expect(formatEventTable(events, 100).lines[1]).toContain('  CreateDatasetImport…  ');
  });
});

describe('csv and JSON output', () => {
  it('quotes fields with commas, quotes, line breaks and edge spaces', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', ' padded', true, undefined])).toBe(
      'plain,"a,b","say ""hi""","two\nlines"," padded",true,',
    );
  });

  it('keeps a text a spreadsheet would run as a formula from being one, and numbers as they are', () => {
    expect(csvLine(['=HYPERLINK("http://x")', '+1', '-cmd', '@SUM(A1)', 'ok', -1])).toBe(
      `"'=HYPERLINK(""http://x"")",'+1,'-cmd,'@SUM(A1),ok,-1`,
    );
  });

  it('indents JSON and keeps numbers past 2^53 exact', () => {
    expect(toIndentedJsonText({ a: [1, new ExactNumber('9007199254740993')], b: {}, c: [] })).toBe(
      '{\n  "a": [\n    1,\n    9007199254740993\n  ],\n  "b": {},\n  "c": []\n}',
    );
  });
});

describe('date options', () => {
  it.each([
    ['2024-06-01', '2024-06-01'],
    ['2024-06-01T12', '2024-06-01T12'],
    ['2024-06-01T12:30', '2024-06-01T12:30'],
    ['2024-06-01T12:30:15Z', '2024-06-01T12:30:15'],
    ['2024-06-01T12:30:15+02:00', '2024-06-01T10:30:15'],
    ['2024-06-01T00:30:15.123-05:00', '2024-06-01T05:30:15'],
  ])('accepts %s', (value, expected) => {
    expect(parseTimeOption(value, '--since')).toBe(expected);
  });

  it.each([
    ['30m', '2024-06-02T11:30:00'],
    ['24h', '2024-06-01T12:00:00'],
    ['7d', '2024-05-26T12:00:00'],
  ])('reads %s back from now', (value, expected) => {
    expect(parseTimeOption(value, '--since', Date.parse('2024-06-02T12:00:00Z'))).toBe(expected);
  });

  it.each(['2024-6-1', '2024-02-30', '2024-06-01T12:30:15+25:00', 'today', '2024-06-01T25', '7w'])(
    'rejects %s naming the option',
    (value) => {
      expect(() => parseTimeOption(value, '--until')).toThrow(`--until "${value}" is not an ISO date`);
    },
  );

  it('compares years, months and days against the range by their prefix', () => {
    const range = dayRangeOf('2023-12-30', '2024-02-01T10:00:00Z');

    expect(
      ['2023', '2024', '2023-12', '2024-01', '2024-02', '2023-12-30', '2024-02-01'].every((p) =>
        overlapsRange(p, range),
      ),
    ).toBe(true);
    expect(
      ['2022', '2025', '2023-11', '2024-03', '2023-12-29', '2024-02-02'].some((p) => overlapsRange(p, range)),
    ).toBe(false);
  });

  it('leaves an open end open', () => {
    expect(overlapsRange('1999-01-01', dayRangeOf(undefined, '2024-01-01'))).toBe(true);
    expect(overlapsRange('2999-01-01', dayRangeOf('2024-01-01', undefined))).toBe(true);
  });
});

describe('S3 event notification bodies', () => {
  it.each([
    ['AWSLogs/123456789012/CloudTrail/x.json.gz', 'AWSLogs/123456789012/CloudTrail/x.json.gz'],
    ['audit logs/AWSLogs/x.json.gz', 'audit+logs/AWSLogs/x.json.gz'],
    ['a+b/c=d&e/é.json.gz', 'a%2Bb/c%3Dd%26e/%C3%A9.json.gz'],
  ])('encodes %s as S3 does', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
  });

  it('is read back by the function to the same bucket, key and size', () => {
    const body = s3EventNotificationBody({
      bucket: 'trail-bucket',
      key: 'my logs/AWSLogs/a+b.json.gz',
      size: 42,
    });

    expect(objectsOfMessageBody(body)).toEqual([
      { bucket: 'trail-bucket', key: 'my logs/AWSLogs/a+b.json.gz', size: 42 },
    ]);
    expect(JSON.parse(body).Records[0]).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
    });
  });
});

describe('queue URLs', () => {
  it.each([
    ['https://sqs.eu-west-1.amazonaws.com/123456789012/mltrail-dlq', 'eu-west-1'],
    ['https://eu-central-1.queue.amazonaws.com/123456789012/q', 'eu-central-1'],
    ['http://127.0.0.1:9324/000000000000/q', undefined],
  ])('finds the region of %s', (url, region) => {
    expect(regionOfQueueUrl(url)).toBe(region);
  });
});

describe('progress', () => {
  it('shows files, events, MB/s and the time left by bytes once the listing is complete', () => {
    const line = formatProgress(
      { files: 5, events: 1234, bytes: 10 * 1024 * 1024 },
      { files: 10, bytes: 30 * 1024 * 1024, complete: true },
      5_000,
    );

    expect(line).toBe('5/10 files | 1,234 events | 2.0 MB/s | ETA 0:10');
  });

  it('marks totals that may still grow and gives no time left while files are being listed', () => {
    const line = formatProgress(
      { files: 5, events: 0, bytes: 10 * 1024 * 1024 },
      { files: 10, bytes: 30 * 1024 * 1024, complete: false },
      5_000,
    );

    expect(line).toBe('5/10+ files | 0 events | 2.0 MB/s | ETA -');
  });

  it('redraws one line with a bar on a terminal', () => {
    const written: string[] = [];
    const progress = createProgress({
      isTTY: true,
      columns: 100,
      write: (text: string) => written.push(text),
    });

    progress.update({ files: 1, events: 3, bytes: 1 }, { files: 2, bytes: 2, complete: true });
    progress.finish();

    expect(written[0]?.startsWith(`\r\u001b[2K[${'#'.repeat(10)}${'.'.repeat(10)}] 1/2 files`)).toBe(true);
    expect(written.at(-1)).toBe('\n');
  });

  it('writes plain lines at an interval elsewhere', () => {
    const written: string[] = [];
    const progress = createProgress(
      { isTTY: false, write: (text: string) => written.push(text) },
      { lineIntervalMs: 60_000 },
    );

    progress.update({ files: 1, events: 0, bytes: 1 }, { files: 3, bytes: 3, complete: true });
    progress.update({ files: 2, events: 0, bytes: 2 }, { files: 3, bytes: 3, complete: true });
    progress.finish();

    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^progress: 1\/3 files/);
  });
});

describe('ingest summary', () => {
  it('counts files by outcome and skip reason and lists each failure with the file', () => {
    const tally = new IngestTally();
    tally.add({ logFile: 'a', status: 'skipped', reason: 'digest' });
    tally.add({
      logFile: 'b',
      status: 'ingested',
      records: 3,
      mlEvents: 2,
      eventsByService: { sagemaker: 1, forecast: 1 },
      expiredEvents: 0,
      malformedRecords: 1,
      malformed: [],
      itemsWritten: 2,
      duplicates: 0,
      retries: 0,
      rejectedItems: 0,
      rejected: [],
    });
    tally.fail('file:///logs/c.json.gz', new Error('unexpected end of file'));
    tally.leaveOutOfRange(4);

    const lines = formatSummary(tally.summary());

    expect(lines).toEqual([
      'files:  1 ingested, 1 skipped (digest 1), 1 failed, 4 outside the date range',
      'events: 2 ML events from 3 records (forecast 1, sagemaker 1)',
      '        1 malformed record left out',
      'failed files:',
      '  file:///logs/c.json.gz: unexpected end of file',
    ]);
  });

  it('counts the events read from a file before it failed', () => {
    const tally = new IngestTally();
    const summary = {
      records: 81,
      mlEvents: 81,
      eventsByService: { bedrock: 81 },
      expiredEvents: 0,
      malformedRecords: 0,
      malformed: [],
    };

    tally.fail('file:///logs/t.json.gz', new Error('truncated gzip'), 0, { read: summary, itemsWritten: 81 });

    expect(tally.summary()).toMatchObject({ records: 81, events: 81, eventsByService: { bedrock: 81 } });
    expect(formatSummary(tally.summary())[1]).toBe('events: 81 ML events from 81 records (bedrock 81)');
  });

  it('counts and prints every skip reason, files gone before they were read included', () => {
    const tally = new IngestTally();
    for (const reason of SKIP_REASONS) tally.add({ logFile: reason, status: 'skipped', reason });

    const summary = tally.summary();

    expect(Object.keys(summary.skippedByReason)).toEqual([...SKIP_REASONS]);
    expect(formatSummary(summary)[0]).toBe(
      `files:  0 ingested, ${SKIP_REASONS.length} skipped (${SKIP_REASONS.map((reason) => `${reason} 1`).join(', ')}), 0 failed`,
    );
    expect(formatSummary(summary)[0]).toContain('gone 1');
  });

  it('counts what a failed file wrote before it failed, and the events DynamoDB refused', () => {
    const tally = new IngestTally();
    tally.add({
      logFile: 'a',
      status: 'ingested',
      records: 3,
      mlEvents: 3,
      eventsByService: { sagemaker: 3 },
      expiredEvents: 0,
      malformedRecords: 0,
      malformed: [],
      itemsWritten: 2,
      duplicates: 0,
      retries: 0,
      rejectedItems: 1,
      rejected: [{ eventId: 'e3', message: 'Item size has exceeded the maximum allowed size' }],
    });
    tally.fail('b', new Error('write deadline'), 0, { itemsWritten: 250, rejectedItems: 2 });

    const summary = tally.summary();

    expect(summary).toMatchObject({ itemsWritten: 252, rejectedItems: 3, files: { ingested: 1, failed: 1 } });
    expect(formatSummary(summary)).toContain('        3 events DynamoDB refused to store left out');
  });
});
