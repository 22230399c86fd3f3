import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { createStreamConsumer, type StreamChange, toStreamChange } from '../../client/stream-consumer';
import { ExactNumber } from '../../contract/exact-number';
import { marshallItem } from '../../contract/item-marshaller';
import { lambdaStreamEvent, STREAM_CONTEXT, streamArnOf } from '../support/detection-stand-ins';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { itemOfRecord, readDetectionRecord } from '../support/ml-event-items';
import { readWholeStream } from '../support/table-stream';

const TEXTRACT = itemOfRecord(readDetectionRecord('bedrock-invoke-model'), {
  eventID: 'textract-1',
  eventSource: 'textract.amazonaws.com',
  service: 'textract',
  eventName: 'AnalyzeDocument',
  requestParameters: {
    document: {},
    pages: new ExactNumber('12345678901234567890'),
  },
});

describe('the stream consumer kit, on the records of DynamoDB Local', () => {
  const { client, endpoint } = localDynamoDb();
  const streams = new DynamoDBStreamsClient(clientSettingsFor(endpoint));
  let records: DynamoDBRecord[];

  beforeAll(async () => {
    const tableName = await createTestTable(client, 'kit');
    await client.send(new PutItemCommand({ TableName: tableName, Item: marshallItem(TEXTRACT) }));
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { eventID: { S: 'textract-1' } },
        UpdateExpression: 'SET #agent = :agent',
        ExpressionAttributeNames: { '#agent': 'userAgent' },
        ExpressionAttributeValues: { ':agent': { S: 'changed' } },
      }),
    );
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: { eventID: { S: 'textract-1' } } }));
    records = lambdaStreamEvent(await readWholeStream(streams, await streamArnOf(client, tableName))).Records;
  });

  it('reads an INSERT as the item stored, its empty map and long number included', () => {
    const change = toStreamChange(records[0] as DynamoDBRecord);
    expect(change.type).toBe('insert');
    const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));
    expect(asJson((change as { item: object }).item)).toEqual(asJson(TEXTRACT));
    const parameters = (change as { item: { requestParameters: Record<string, unknown> } }).item
      .requestParameters;
    expect(parameters.document).toEqual({});
    expect((parameters.pages as ExactNumber).text).toBe('12345678901234567890');
  });

  it('reads a MODIFY with the item before when asked for old images, and without it otherwise', () => {
    const withOld = toStreamChange(records[1] as DynamoDBRecord, { oldImages: true });
    const withoutOld = toStreamChange(records[1] as DynamoDBRecord);
    expect(withOld).toMatchObject({
      type: 'modify',
      item: { userAgent: 'changed' },
      oldItem: { userAgent: TEXTRACT.userAgent },
    });
    expect(withoutOld).not.toHaveProperty('oldItem');
  });

  it('tells a DeleteItem from a time-to-live expiry, which DynamoDB makes as the service dynamodb.amazonaws.com', () => {
    const deleted = records[2] as DynamoDBRecord;
    // DynamoDB Local does not expire items on demand: the record of an expiry is the delete with
    // the userIdentity AWS documents for time to live.
    const expired = { ...deleted, userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };
    expect(toStreamChange(deleted, { oldImages: true })).toMatchObject({
      type: 'delete',
      eventID: 'textract-1',
      oldItem: { service: 'textract' },
    });
    expect(toStreamChange(expired)).toMatchObject({ type: 'expire', eventID: 'textract-1' });
  });

  it('fails a record without the old image it was asked for, naming the stream setting', () => {
    const { OldImage: _old, ...withoutOld } = (records[1] as DynamoDBRecord).dynamodb ?? {};
    expect(() =>
      toStreamChange({ ...(records[1] as DynamoDBRecord), dynamodb: withoutOld }, { oldImages: true }),
    ).toThrow(/no OldImage \(old images were asked for: the table stream must be NEW_AND_OLD_IMAGES\)/);
  });

  it('handles every record of a batch and reports only the one whose handler threw', async () => {
    const seen: StreamChange['type'][] = [];
    const handler = createStreamConsumer((change) => {
      if (change.type === 'modify') throw new Error('downstream refused');
      seen.push(change.type);
    });

    const response = await handler({ Records: records }, STREAM_CONTEXT);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]?.dynamodb?.SequenceNumber }]);
    expect(seen.sort()).toEqual(['delete', 'insert']);
  });
});
