import { describe, expect, it } from 'vitest';
import { queryEvents } from '../../cli/event-queries';
import { DynamoDbEventWriter } from '../../lambda/adapters/dynamodb-event-writer';
import { toMlEvent } from '../../lambda/core/ml-event';
import { makeRecord } from '../support/factories';
import { createTestTable, localDynamoDb } from '../support/local-aws';

describe('queryEvents against DynamoDB Local', () => {
  const { client } = localDynamoDb();

  it('finds the events of a principal, an account and an event name longer than a key can hold, by the values as logged', async () => {
    const tableName = await createTestTable(client, 'long-keys');
    const arn = `arn:aws:iam::123456789012:user/${'a'.repeat(2500)}`;
    const accountId = '9'.repeat(2500);
    const eventName = `Invoke${'M'.repeat(2500)}`;
    const writer = new DynamoDbEventWriter(client, tableName);
    await writer.put(
      toMlEvent(
        makeRecord({
          eventID: 'long',
          eventName,
          recipientAccountId: accountId,
          userIdentity: { type: 'IAMUser', arn },
        }),
        'sagemaker',
        { logFile: 's3://bucket/AWSLogs/f.json.gz' },
      ),
    );
    expect((await writer.flush()).rejected).toEqual([]);

    const ids = async (query: Parameters<typeof queryEvents>[2]) => {
      const found: string[] = [];
      for await (const item of queryEvents(client, tableName, query)) found.push(item.eventID);
      return found;
    };

    expect(await ids({ principal: arn })).toEqual(['long']);
    expect(await ids({ accountId })).toEqual(['long']);
    expect(await ids({ service: 'sagemaker', eventName })).toEqual(['long']);
  });
});
