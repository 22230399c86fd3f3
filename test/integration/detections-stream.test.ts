import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { resolveDetectionSettings } from '../../contract/detection-settings';
import { marshallItem } from '../../contract/item-marshaller';
import type { MlEventItem } from '../../contract/ml-event-item';
import { DetectionStateTable } from '../../lambda/adapters/detection-state-table';
import { createDetectionsConsumer } from '../../lambda/detections-consumer';
import {
  createStateTable,
  lambdaStreamEvent,
  RecordingAlertPipe,
  STREAM_CONTEXT,
  streamArnOf,
} from '../support/detection-stand-ins';
import { type LogLine, recordingLogger } from '../support/lambda-events';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { itemOfRecord, readDetectionRecord } from '../support/ml-event-items';
import { readWholeStream } from '../support/table-stream';

const fixture = (name: string, overrides: Partial<MlEventItem> = {}) =>
  itemOfRecord(readDetectionRecord(name), overrides);

describe('detections on the events stream of DynamoDB Local: items in, alerts out, replays silent', () => {
  const { client, endpoint } = localDynamoDb();
  const streams = new DynamoDBStreamsClient(clientSettingsFor(endpoint));
  let eventsTable: string;
  let eventsStream: string;
  let pipe: RecordingAlertPipe;
  let handler: ReturnType<typeof createDetectionsConsumer>;
  const lines: LogLine[] = [];

  const put = async (items: readonly MlEventItem[]) => {
    for (const item of items) {
      await client.send(new PutItemCommand({ TableName: eventsTable, Item: marshallItem(item) }));
    }
  };
  const runOverWholeStream = async () =>
    handler(lambdaStreamEvent(await readWholeStream(streams, eventsStream)), STREAM_CONTEXT);

  beforeAll(async () => {
    eventsTable = await createTestTable(client, 'detect');
    eventsStream = await streamArnOf(client, eventsTable);
    const state = await createStateTable(client, 'detect');
    pipe = new RecordingAlertPipe(streams, state.streamArn);
    handler = createDetectionsConsumer({
      rules: resolveDetectionSettings({ 'access-denied-burst': { threshold: 3, windowMinutes: 10 } }),
      state: new DetectionStateTable(client, state.tableName),
      logger: recordingLogger(lines),
    });
  });

  it('publishes one message per alert, with the eventID to show, and nothing more when the stream is read again', async () => {
    const invoke = fixture('bedrock-invoke-model');
    const denied = (n: number) =>
      fixture('bedrock-invoke-model-access-denied', {
        eventID: `denied-${n}`,
        eventTime: `2024-10-01T11:5${n}:00Z`,
      });
    await put([
      fixture('bedrock-delete-guardrail'),
      invoke,
      fixture('bedrock-invoke-model', { eventID: 'invoke-again', eventTime: '2024-10-01T11:59:00Z' }),
      denied(0),
      denied(1),
      denied(2),
      denied(3),
      // Textract's requestParameters.document is an empty map: DynamoDB Local's stream writes it as {}.
      fixture('bedrock-invoke-model', {
        eventID: 'textract-empty-map',
        eventSource: 'textract.amazonaws.com',
        service: 'textract',
        eventName: 'AnalyzeDocument',
        requestParameters: { document: {} },
      }),
    ]);

    const first = await runOverWholeStream();
    const published = await pipe.deliver();
    const replay = await runOverWholeStream();
    await put([fixture('bedrock-delete-guardrail')]);
    const afterRewrite = await runOverWholeStream();

    expect(first.batchItemFailures).toEqual([]);
    // Records are handled concurrently: alerts come in any order, any of the window's events may be
    // the one that reaches the burst's threshold, and either of the two invocations of the model by
    // the principal may be the one seen first (there is one alert for the two).
    const byRule = [...published].sort((x, y) => String(x.rule).localeCompare(String(y.rule)));
    expect(byRule.map((message) => [message.rule, message.eventID])).toEqual([
      ['access-denied-burst', expect.stringMatching(/^denied-[0-3]$/)],
      ['bedrock-guardrail-weakened', '3105145b-d0ca-41ab-a0fd-73f4f31ccbd1'],
      ['first-model-invocation', expect.toBeOneOf([invoke.eventID, 'invoke-again'])],
    ]);
    expect(byRule[1]).toMatchObject({
      show: 'mltrail show 3105145b-d0ca-41ab-a0fd-73f4f31ccbd1',
      severity: 'high',
      principal: 'arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/DevAdmin',
    });
    expect(replay.batchItemFailures).toEqual([]);
    expect(afterRewrite.batchItemFailures).toEqual([]);
    expect(await pipe.deliver()).toEqual([]);
    expect(pipe.messages).toHaveLength(3);
  });

  it('fails only the record that cannot be read, and still alerts on its neighbours', async () => {
    const records = await readWholeStream(streams, eventsStream);
    const guardrail = records.find((record) => record.dynamodb?.Keys?.eventID?.S === 'textract-empty-map');
    if (guardrail === undefined) throw new Error('no record to break');
    const broken = {
      ...guardrail,
      eventID: 'broken-record',
      dynamodb: { ...guardrail.dynamodb, NewImage: { eventID: { S: 'broken' }, service: { Q: 'x' } } },
    };
    await put([fixture('bedrock-update-guardrail')]);
    const withUpdate = await readWholeStream(streams, eventsStream);
    const update = withUpdate[withUpdate.length - 1];
    if (update === undefined) throw new Error('no update record');

    const response = await handler(lambdaStreamEvent([broken as never, update]), STREAM_CONTEXT);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: guardrail.dynamodb?.SequenceNumber }]);
    expect((await pipe.deliver()).map((message) => message.rule)).toEqual(['bedrock-guardrail-weakened']);
  });
});
