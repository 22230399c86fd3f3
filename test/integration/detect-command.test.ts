import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  detectionSettingsFrom,
  formatAlerts,
  itemsInTimeOrder,
  replayDetections,
} from '../../cli/detections-replay';
import { marshallItem } from '../../contract/item-marshaller';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import { createTestTable, localDynamoDb } from '../support/local-aws';

const SERVICES = [...new Set(DEFAULT_SERVICE_CATALOGUE.values())];

import { itemOfRecord, readDetectionRecord } from '../support/ml-event-items';

describe('mltrail detect over a table of DynamoDB Local', () => {
  const { client, readClient } = localDynamoDb();
  let tableName: string;

  beforeAll(async () => {
    tableName = await createTestTable(client, 'detect-cli');
    const items = [
      itemOfRecord(readDetectionRecord('bedrock-delete-guardrail')),
      itemOfRecord(readDetectionRecord('bedrock-update-guardrail')),
      itemOfRecord(readDetectionRecord('bedrock-delete-model-invocation-logging-configuration')),
      itemOfRecord(readDetectionRecord('sagemaker-create-presigned-notebook-instance-url')),
      itemOfRecord(readDetectionRecord('sagemaker-create-presigned-notebook-instance-url'), {
        eventID: 'second-url',
        eventTime: '2018-01-02T17:00:00Z',
      }),
    ];
    for (const item of items)
      await client.send(new PutItemCommand({ TableName: tableName, Item: marshallItem(item) }));
  });

  it('replays the items in eventTime order: the earlier of two URLs is the first-seen one', async () => {
    const alerts = await replayDetections(
      await itemsInTimeOrder(readClient, tableName, SERVICES),
      detectionSettingsFrom({}),
    );
    expect(alerts.map((alert) => [alert.eventTime, alert.ruleId])).toEqual([
      ['2018-01-02T16:30:45Z', 'first-presigned-notebook-url'],
      ['2025-01-21T17:39:10Z', 'bedrock-guardrail-weakened'],
      ['2025-01-21T17:49:47Z', 'bedrock-invocation-logging-changed'],
      ['2025-01-21T18:12:33Z', 'bedrock-guardrail-weakened'],
    ]);
  });

  it('reads from --since on, and leaves out the rules MLTRAIL_DETECTION_RULES turns off', async () => {
    const settings = detectionSettingsFrom({
      MLTRAIL_DETECTION_RULES: '{"bedrock-guardrail-weakened":{"enabled":false}}',
    });
    const alerts = await replayDetections(
      await itemsInTimeOrder(readClient, tableName, SERVICES, '2025-01-01'),
      settings,
    );
    expect(formatAlerts(alerts)).toEqual([
      '2025-01-21T17:49:47Z  HIGH    bedrock-invocation-logging-changed: arn:aws:iam::123123123123:role/aws-reserved/sso.amazonaws.com/us-west-2/DevAdmin (dr.evil) deleted the model invocation logging configuration in us-west-2',
      '    mltrail show 28773860-a4fd-47c7-a215-6f0e6e6e532f',
      '',
      '1 alert',
    ]);
  });

  it('refuses settings that name no rule, as a usage error naming the variable', () => {
    expect(() => detectionSettingsFrom({ MLTRAIL_DETECTION_RULES: '{"root":{}}' })).toThrow(
      /^MLTRAIL_DETECTION_RULES: unknown rule root/,
    );
  });
});
