import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { keyAttributeValue, MAX_KEY_ATTRIBUTE_BYTES } from '../../contract/key-attribute-values';
import { KEY_DIGEST_MARKER } from '../../contract/key-values';
import { createTestTable, localDynamoDb } from '../support/local-aws';

const AT_BUDGET = (name: string, extra = 0) => 'x'.repeat((MAX_KEY_ATTRIBUTE_BYTES[name] as number) + extra);

function item(extraBytes: Partial<Record<string, number>>) {
  const value = (name: string) => ({ S: AT_BUDGET(name, extraBytes[name] ?? 0) });
  return {
    eventID: value('eventID'),
    eventTime: { S: '2024-10-01T11:52:37Z' },
    // The longest service name the catalogue allows, on the highest shard.
    service: { S: 's'.repeat(63) },
    keyShard: { N: '15' },
    principal: value('principal'),
    recipientAccountId: value('recipientAccountId'),
    resourceArn: value('resourceArn'),
    actor: value('actor'),
    eventName: value('eventName'),
    errorCode: value('errorCode'),
  };
}

describe('key attribute budgets', () => {
  const { client } = localDynamoDb();

  it('fit every index key of one item at once, each at its budget', async () => {
    const tableName = await createTestTable(client, 'key-budgets');

    await expect(
      client.send(new PutItemCommand({ TableName: tableName, Item: item({}) })),
    ).resolves.toBeDefined();
  });

  it.each(['principal', 'eventName', 'eventID', 'errorCode', 'actor'])(
    'are the most DynamoDB takes: one byte more of %s is refused',
    async (name) => {
      const tableName = await createTestTable(client, 'key-budgets-over');

      await expect(
        client.send(new PutItemCommand({ TableName: tableName, Item: item({ [name]: 1 }) })),
      ).rejects.toThrow(/exceeded limit|Size limit exceeded/);
    },
  );

  it('cut a longer value to its budget with a digest, and leave other attributes as they are', () => {
    const long = 'p'.repeat(5000);

    expect(Buffer.byteLength(keyAttributeValue('principal', long))).toBeLessThanOrEqual(2046);
    expect(keyAttributeValue('principal', long)).toContain(KEY_DIGEST_MARKER);
    expect(keyAttributeValue('principal', 'arn:aws:iam::1:role/R')).toBe('arn:aws:iam::1:role/R');
    expect(keyAttributeValue('awsRegion', long)).toBe(long);
    expect(keyAttributeValue('constructor', long)).toBe(long);
  });
});
