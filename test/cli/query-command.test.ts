import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventsTableDefinition } from '../../cli/local/events-table';
import type { MlEventItem } from '../../contract/ml-event-item';
import { indexesOf } from '../../contract/table-schema';
import {
  ALICE_ARN,
  makeAliceForecastItem,
  makeEventItem,
  newestFirst,
  putEventItems,
} from '../support/event-items';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { jsonLines, runMltrail } from './cli-harness';

const APP_ROLE = 'arn:aws:iam::111122223333:role/genai-app-role';
const ALICE = ALICE_ARN;
const ENDPOINT_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:endpoint/churn';

function at(minute: number): string {
  return new Date(Date.parse('2024-10-01T11:00:00Z') + minute * 60_000).toISOString().replace('.000', '');
}

const INVOKES = Array.from({ length: 40 }, (_, index) =>
  makeEventItem({ eventID: `invoke-${String(index).padStart(2, '0')}`, eventTime: at(index % 20) }),
);
const THROTTLED = makeEventItem({
  eventID: 'invoke-throttled',
  eventTime: at(25),
  errorCode: 'ThrottlingException',
  errorMessage: 'Too many requests',
});
const FORECAST = [0, 1, 2].map((index) =>
  makeAliceForecastItem({
    eventID: `forecast-${index}`,
    eventTime: at(30 + index),
    eventName: index === 0 ? 'DeleteDataset' : 'DescribeDataset',
    readOnly: index !== 0,
    ...(index === 0 ? { errorCode: 'AccessDenied' } : {}),
  }),
);
const ENDPOINT = makeEventItem({
  eventID: 'sagemaker-endpoint',
  eventTime: at(40),
  service: 'sagemaker',
  eventSource: 'sagemaker.amazonaws.com',
  eventName: 'CreateEndpoint',
  readOnly: false,
  awsRegion: 'us-east-1',
  principal: 'arn:aws:iam::111122223333:role/DataScientist',
  actor: 'alice',
  sourceIPAddress: '203.0.113.7',
  resourceArn: ENDPOINT_ARN,
  resourceArns: [ENDPOINT_ARN],
});
const CUSTOM = makeEventItem({
  eventID: 'custom-0',
  eventTime: at(45),
  service: 'customml',
  eventSource: 'customml.amazonaws.com',
  eventName: 'Predict',
  principal: 'arn:aws:iam::111122223333:role/CustomModelRole',
  actor: 'batch',
});
// The services the table holds: queries across services read these rather than the 22 of the
// default catalogue (each a Query per shard), which a test of its own covers.
const CATALOGUE = {
  env: {
    ...process.env,
    MLTRAIL_SERVICE_CATALOGUE: JSON.stringify({
      'bedrock.amazonaws.com': 'bedrock',
      'forecast.amazonaws.com': 'forecast',
      'sagemaker.amazonaws.com': 'sagemaker',
    }),
  },
};
const ALL = [...INVOKES, THROTTLED, ...FORECAST, ENDPOINT, CUSTOM];
const CATALOGUED = ALL.filter((item) => item !== CUSTOM);

describe('mltrail query, show and stats', () => {
  const { client, endpoint } = localDynamoDb();
  let store: string[];
  const json = async (...args: string[]) => {
    const run = await runMltrail(['query', ...args, '--json', '--limit', '0', ...store], CATALOGUE);
    expect(run.stderr).not.toContain('error');
    expect(run.exitCode).toBe(0);
    return jsonLines<MlEventItem>(run.stdout);
  };
  const expected = (keep: (item: MlEventItem) => boolean) => newestFirst(CATALOGUED.filter(keep));

  beforeAll(async () => {
    const tableName = await createTestTable(client, 'cli-query');
    await putEventItems(client, tableName, ALL);
    store = ['--endpoint', endpoint, '--table', tableName];
  });

  it.each<[string[], (item: MlEventItem) => boolean]>([
    [['--actor', 'alice'], (item) => item.actor === 'alice'],
    [['--resource', ENDPOINT_ARN], (item) => item.resourceArn === ENDPOINT_ARN],
    [['--errors'], (item) => item.errorCode !== undefined],
    [
      ['--errors', '--account', '111122223333'],
      (item) => item.errorCode !== undefined && item.recipientAccountId === '111122223333',
    ],
    [
      ['--errors', '--service', 'Forecast'],
      (item) => item.errorCode !== undefined && item.service === 'forecast',
    ],
    [['--event-region', 'eu-west-1'], (item) => item.awsRegion === 'eu-west-1'],
    [['--event-name', 'CreateEndpoint'], (item) => item.eventName === 'CreateEndpoint'],
    [
      ['--service', 'forecast', '--event-name', 'DescribeDataset'],
      (item) => item.eventName === 'DescribeDataset',
    ],
    [['--access-key', 'AKIAALICE'], (item) => item.accessKeyId === 'AKIAALICE'],
    [['--source-ip', '203.0.113.7'], (item) => item.sourceIPAddress === '203.0.113.7'],
    [['--read-only', '--actor', 'alice'], (item) => item.actor === 'alice' && item.readOnly === true],
    [['--writes'], (item) => item.readOnly === false],
    [['--since', at(19), '--until', at(31)], (item) => item.eventTime >= at(19) && item.eventTime <= at(31)],
    [['--since', '2024-10-01'], () => true],
    [['--principal', APP_ROLE], (item) => item.principal === APP_ROLE],
    [['--account', '444455556666'], (item) => item.recipientAccountId === '444455556666'],
    [['--service', 'bedrock'], (item) => item.service === 'bedrock'],
  ])('query %j finds exactly its events, newest first, in full', async (args, keep) => {
    const events = await json(...args);

    expect(events.map((event) => event.eventID)).toEqual(expected(keep));
    for (const event of events) expect(event.logFile).toMatch(/^s3:\/\//);
  });

  it('reads an assumed-role session ARN as its role and says so', async () => {
    const run = await runMltrail([
      'query',
      '--principal',
      'arn:aws:sts::111122223333:assumed-role/genai-app-role/app',
      '--json',
      '--limit',
      '0',
      ...store,
    ]);

    expect(jsonLines(run.stdout)).toHaveLength(41);
    expect(run.stderr).toContain(`--principal read as the role ${APP_ROLE} (events of all its sessions)`);
  });

  it('says, when a session ARN finds nothing, that it lacks the role path and names --actor', async () => {
    const run = await runMltrail([
      'query',
      '--principal',
      'arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@example.com',
      ...store,
    ]);

    expect(run.stdout).toContain('no events found');
    expect(run.stderr).toContain("a session ARN does not hold its role's path");
    expect(run.stderr).toContain('try --actor alice@example.com');
  });

  it('reads a time range alone over the services of the catalogue in force, extra services included', async () => {
    const without = await runMltrail(['query', '--since', at(44), '--json', ...store]);
    const run = await runMltrail(['query', '--since', at(44), '--json', ...store], {
      env: {
        ...process.env,
        MLTRAIL_EXTRA_SERVICES: JSON.stringify({ 'customml.amazonaws.com': 'customml' }),
      },
    });

    expect(without.stdout).toBe('');
    expect(without.exitCode).toBe(0);
    expect(jsonLines<MlEventItem>(run.stdout).map((event) => event.eventID)).toEqual(['custom-0']);
  });

  it('says on stderr when a result is cut, in every format, and --limit 0 prints all', async () => {
    const runs = await Promise.all(
      [['--json'], ['--output', 'csv'], []].map((format) =>
        runMltrail(['query', '--service', 'bedrock', '--limit', '5', ...format, ...store]),
      ),
    );
    const whole = await runMltrail(['query', '--service', 'bedrock', '--limit', '41', '--json', ...store]);

    for (const run of runs) {
      expect(run.exitCode).toBe(0);
      expect(run.stderr).toContain('the newest 5 events; there are more (--limit 0 prints all)');
    }
    expect(jsonLines(runs[0]?.stdout ?? '')).toHaveLength(5);
    expect((runs[1]?.stdout ?? '').trim().split('\n')).toHaveLength(6);
    expect(runs[2]?.stdout).toContain('\n5 events, all with ');
    expect(jsonLines(whole.stdout)).toHaveLength(41);
    expect(whole.stderr).not.toContain('there are more');
  });

  it('prints the table within 120 columns off a terminal, with the principal whole', async () => {
    const run = await runMltrail(['query', '--actor', 'alice', ...store]);

    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\) +SERVICE +EVENT +PRINCIPAL +OUTCOME$/);
    expect(lines[1]).toContain('arn:aws:iam::111122223333:role/DataScientist');
    expect(lines.slice(0, -2).every((line) => line.length <= 120)).toBe(true);
    expect(lines.at(-1)).toBe(
      '4 events, all with actor alice (ACCOUNT, REGION, EVENT ID left out to fit 120 columns: --output csv has every column)',
    );
  });

  it('prints CSV of what the index holds, quoted where needed', async () => {
    const run = await runMltrail(['query', '--resource', ENDPOINT_ARN, '--output', 'csv', ...store]);

    expect(run.stdout.split('\n')).toEqual([
      'eventTime,eventID,service,eventName,principal,principalType,actor,recipientAccountId,awsRegion,errorCode,sourceIPAddress,accessKeyId,readOnly,resourceArn',
      `${at(40)},sagemaker-endpoint,sagemaker,CreateEndpoint,arn:aws:iam::111122223333:role/DataScientist,AssumedRole,alice,111122223333,us-east-1,,203.0.113.7,ASIAEXAMPLE,false,${ENDPOINT_ARN}`,
      '',
    ]);
  });

  it('shows one event in full by eventID: indented, or one line with --json', async () => {
    const pretty = await runMltrail(['show', 'forecast-0', ...store]);
    const line = await runMltrail(['show', 'forecast-0', '--json', ...store]);
    const missing = await runMltrail(['show', 'no-such-event', ...store]);

    expect(pretty.exitCode).toBe(0);
    expect(JSON.parse(pretty.stdout)).toEqual(FORECAST[0]);
    expect(pretty.stdout).toMatch(
      /^\{\n {2}"eventID": "forecast-0",\n {2}"eventTime": "2024-10-01T11:30:00Z",\n {2}"service": "forecast",\n/,
    );
    expect(pretty.stdout).toContain('\n  "tlsDetails": {\n    "cipherSuite": "TLS_AES_128_GCM_SHA256",\n');
    expect(JSON.parse(line.stdout)).toEqual(FORECAST[0]);
    expect(line.stdout.trimEnd()).not.toContain('\n');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('no event with eventID no-such-event in table');
  });

  it.each<[string, Record<string, number>]>([
    ['service', { bedrock: 41, forecast: 3, sagemaker: 1 }],
    ['principal', { [APP_ROLE]: 41, [ALICE]: 3, 'arn:aws:iam::111122223333:role/DataScientist': 1 }],
    ['actor', { app: 41, alice: 4 }],
    ['eventName', { InvokeModel: 41, DescribeDataset: 2, DeleteDataset: 1, CreateEndpoint: 1 }],
    ['account', { '111122223333': 42, '444455556666': 3 }],
    // Calls that did not fail: null in JSON, never a value '-'.
    ['errorCode', { null: 43, ThrottlingException: 1, AccessDenied: 1 }],
    ['day', { '2024-10-01': 45 }],
  ])('stats --by %s counts every event in the range', async (by, counts) => {
    const run = await runMltrail(
      ['stats', '--by', by, '--since', '2024-10-01', '--json', ...store],
      CATALOGUE,
    );

    expect(run.exitCode).toBe(0);
    expect(
      Object.fromEntries(
        jsonLines<Record<string, string | number>>(run.stdout).map((row) => [row[by], row.count]),
      ),
    ).toEqual(counts);
  });

  it('prints stats as a table, largest first, with the total', async () => {
    const run = await runMltrail(
      ['stats', '--by', 'service', '--since', '2024-10-01', '--until', '2024-10-01T12:00:00Z', ...store],
      CATALOGUE,
    );
    const csv = await runMltrail([
      'stats',
      '--by',
      'actor',
      '--service',
      'forecast',
      '--output',
      'csv',
      ...store,
    ]);

    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        'SERVICE    EVENTS',
        'bedrock        41',
        'forecast        3',
        'sagemaker       1',
        '',
        '45 events in 3 groups',
        '',
      ].join('\n'),
    );
    expect(csv.stdout).toBe('actor,count\nalice,3\n');
  });

  it.each<[string[], string]>([
    [['query', '--read-only', '--writes'], 'give --read-only or --writes, not both'],
    [['query'], 'give what to select'],
    [['query', '--service', 'forecast', '--json', '--output', 'csv'], '--json is --output json'],
    [['query', '--service', 'forecast', '--output', 'xml'], "argument 'xml' is invalid"],
    [['stats', '--since', '24h'], "required option '--by <group>' not specified"],
    [['stats', '--by', 'colour', '--since', '24h'], "argument 'colour' is invalid"],
  ])('%j is a usage error (exit 2)', async (args, reason) => {
    const run = await runMltrail([...args, ...store]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(reason);
  });
});

describe('a deployed table without the opt-in indexes', () => {
  const { client, endpoint } = localDynamoDb();
  let store: string[];

  beforeAll(async () => {
    const tableName = `cli-default-indexes-${process.pid}`;
    await client.send(new CreateTableCommand(eventsTableDefinition(tableName, indexesOf([]))));
    await putEventItems(client, tableName, FORECAST);
    store = ['--endpoint', endpoint, '--table', tableName];
  });

  it.each<[string[], string]>([
    [['--actor', 'alice'], "--actor needs the table's byActor index"],
    [['--account', '444455556666'], "--account needs the table's byAccount index"],
    [['--event-name', 'DeleteDataset'], "--event-name needs the table's byEventName index"],
  ])('query %j fails (exit 2) naming the context key that adds the index', async (args, reason) => {
    const run = await runMltrail(['query', ...args, ...store]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(reason);
    expect(run.stderr).toMatch(/redeploy with -c optionalIndexes=by(Actor|Account|EventName)\n$/);
  });

  it('answers what the default indexes hold', async () => {
    const run = await runMltrail(
      ['query', '--errors', '--account', '444455556666', '--json', ...store],
      CATALOGUE,
    );

    expect(run.exitCode).toBe(0);
    expect(jsonLines<MlEventItem>(run.stdout).map((event) => event.eventID)).toEqual(['forecast-0']);
  });
});
