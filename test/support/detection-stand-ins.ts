import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { _Record, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  ALERT_MESSAGE_ATTRIBUTE,
  STATE_KEY,
  STATE_KIND_ATTRIBUTE,
} from '../../contract/detection-state-schema';
import { readWholeStream } from './table-stream';

let stateTables = 0;

/** A detection state table in DynamoDB Local, as the construct creates it (key `id`, NEW_IMAGE stream). */
export async function createStateTable(
  client: DynamoDBClient,
  label: string,
): Promise<{ tableName: string; streamArn: string }> {
  stateTables += 1;
  const tableName = `${label}-state-${process.pid}-${stateTables}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: STATE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: STATE_KEY, KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  return { tableName, streamArn: await streamArnOf(client, tableName) };
}

/** The stream ARN of a table. */
export async function streamArnOf(client: DynamoDBClient, tableName: string): Promise<string> {
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return described.Table?.LatestStreamArn as string;
}

/** Stream records as Lambda hands them to a function (the SDK gives the time as a Date, Lambda as epoch seconds). */
export function lambdaStreamEvent(
  records: readonly _Record[],
  streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x',
): DynamoDBStreamEvent {
  return {
    Records: records.map((record) => ({
      ...record,
      eventSourceARN: streamArn,
      dynamodb: {
        ...record.dynamodb,
        ApproximateCreationDateTime:
          record.dynamodb?.ApproximateCreationDateTime === undefined
            ? undefined
            : Math.floor(record.dynamodb.ApproximateCreationDateTime.getTime() / 1000),
      },
    })) as unknown as DynamoDBRecord[],
  };
}

/** A Lambda context for handlers that only pass it on. */
export const STREAM_CONTEXT = { functionName: 'mltrail-test', awsRequestId: 'test' } as Context;

/**
 * A stand-in for what delivers alerts in AWS, since there is no local SNS or EventBridge Pipes:
 * it reads the state table's stream from the start, keeps the records the pipe's filter keeps
 * (INSERTs of alert items) and records the message the pipe would publish (`message`), in order.
 * Each call returns the messages that appeared since the previous one.
 */
export class RecordingAlertPipe {
  private delivered = 0;
  readonly messages: string[] = [];

  constructor(
    private readonly streams: DynamoDBStreamsClient,
    private readonly streamArn: string,
  ) {}

  async deliver(): Promise<Record<string, unknown>[]> {
    const records = await readWholeStream(this.streams, this.streamArn);
    const alerts = records.filter(
      (record) =>
        record.eventName === 'INSERT' && record.dynamodb?.NewImage?.[STATE_KIND_ATTRIBUTE]?.S === 'alert',
    );
    const fresh = alerts
      .slice(this.delivered)
      .map((record) => record.dynamodb?.NewImage?.[ALERT_MESSAGE_ATTRIBUTE]?.S as string);
    this.delivered = alerts.length;
    this.messages.push(...fresh);
    return fresh.map((message) => JSON.parse(message) as Record<string, unknown>);
  }
}
