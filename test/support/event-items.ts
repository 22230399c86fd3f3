import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshallItem } from '../../contract/item-marshaller';
import { keyAttributeValue, MAX_KEY_ATTRIBUTE_BYTES } from '../../contract/key-attribute-values';
import { keyShardOf } from '../../contract/key-shards';
import type { MlEventItem } from '../../contract/ml-event-item';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A stored item per the contract, as the writer makes it: keyShard from the service and eventID,
 * key attributes within their byte budgets by keyAttributeValue. Defaults: a Bedrock InvokeModel of the
 * real sample's shape (an assumed role in 111122223333, us-west-2).
 */
export function makeEventItem(overrides: Partial<MlEventItem> = {}): MlEventItem {
  const item: Mutable<MlEventItem> = {
    eventID: 'a8d388e2-3111-44bf-b78f-b0e263dc3d25',
    eventTime: '2024-10-01T11:52:37Z',
    service: 'bedrock',
    keyShard: 0,
    eventSource: 'bedrock.amazonaws.com',
    eventName: 'InvokeModel',
    eventVersion: '1.10',
    eventType: 'AwsApiCall',
    eventCategory: 'Management',
    readOnly: true,
    managementEvent: true,
    awsRegion: 'us-west-2',
    recipientAccountId: '111122223333',
    requestID: '0873fdcf-2c18-413a-9288-7e9bbbb8f29d',
    sourceIPAddress: '10.0.1.50',
    userAgent: 'Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux#5.10 lang/python#3.12.0',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 'bedrock-runtime.us-west-2.amazonaws.com',
    },
    principal: 'arn:aws:iam::111122223333:role/genai-app-role',
    principalType: 'AssumedRole',
    principalArn: 'arn:aws:sts::111122223333:assumed-role/genai-app-role/app',
    principalId: 'AROAEXAMPLE:app',
    principalAccountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLE',
    sessionCreationDate: '2024-10-01T11:00:00Z',
    mfaAuthenticated: false,
    actor: 'app',
    requestParameters: { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    additionalEventData: { inferenceRegion: 'us-west-2' },
    logFile: 's3://trail-bucket/AWSLogs/111122223333/CloudTrail/us-west-2/2024/10/01/f.json.gz',
    ...overrides,
  };
  for (const name of Object.keys(MAX_KEY_ATTRIBUTE_BYTES) as (keyof MlEventItem)[]) {
    const value = item[name];
    if (typeof value === 'string') (item as Record<string, unknown>)[name] = keyAttributeValue(name, value);
  }
  item.keyShard = keyShardOf(item.service, item.eventID);
  return item;
}

/** The IAM user of the tests' quiet-service events. */
export const ALICE_ARN = 'arn:aws:iam::444455556666:user/alice';

/** A Forecast call by the IAM user alice in 444455556666, eu-west-1, from one address: makeEventItem's other defaults. */
export function makeAliceForecastItem(overrides: Partial<MlEventItem> = {}): MlEventItem {
  return makeEventItem({
    service: 'forecast',
    eventSource: 'forecast.amazonaws.com',
    awsRegion: 'eu-west-1',
    recipientAccountId: '444455556666',
    principal: ALICE_ARN,
    principalType: 'IAMUser',
    principalArn: ALICE_ARN,
    actor: 'alice',
    accessKeyId: 'AKIAALICE',
    sourceIPAddress: '198.51.100.20',
    ...overrides,
  });
}

const MAX_BATCH_WRITE_ITEMS = 25;

/** Writes items with BatchWriteItem, retrying what DynamoDB leaves unprocessed. */
export async function putEventItems(
  client: DynamoDBClient,
  tableName: string,
  items: readonly MlEventItem[],
): Promise<void> {
  for (let start = 0; start < items.length; start += MAX_BATCH_WRITE_ITEMS) {
    let requests: WriteRequest[] = items
      .slice(start, start + MAX_BATCH_WRITE_ITEMS)
      .map((item) => ({ PutRequest: { Item: marshallItem(item) } }));
    while (requests.length > 0) {
      const output = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = output.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

/** eventIDs newest first by (eventTime, eventID), as every index orders them. */
export function newestFirst(items: readonly MlEventItem[]): string[] {
  return [...items]
    .sort((a, b) =>
      a.eventTime === b.eventTime
        ? Buffer.compare(Buffer.from(b.eventID), Buffer.from(a.eventID))
        : Buffer.compare(Buffer.from(b.eventTime), Buffer.from(a.eventTime)),
    )
    .map((item) => item.eventID);
}
