import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { clientSettingsFor } from '../../cli/aws-endpoints';
import { marshallItem } from '../../contract/item-marshaller';
import { createBedrockChangesHandler } from '../../examples/bedrock-changes/handler';
import { lambdaStreamEvent, STREAM_CONTEXT, streamArnOf } from '../support/detection-stand-ins';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { itemOfRecord, readDetectionRecord } from '../support/ml-event-items';
import { readWholeStream } from '../support/table-stream';

describe('the example consumer (examples/bedrock-changes), on the stream of DynamoDB Local', () => {
  const { client, endpoint } = localDynamoDb();
  const streams = new DynamoDBStreamsClient(clientSettingsFor(endpoint));

  it('prints a line per new Bedrock event with the command that shows it', async () => {
    const tableName = await createTestTable(client, 'example');
    const item = itemOfRecord(readDetectionRecord('bedrock-delete-guardrail'));
    await client.send(new PutItemCommand({ TableName: tableName, Item: marshallItem(item) }));
    const lines: string[] = [];

    const response = await createBedrockChangesHandler((line) => lines.push(line))(
      lambdaStreamEvent(await readWholeStream(streams, await streamArnOf(client, tableName))),
      STREAM_CONTEXT,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(lines).toEqual([
      `2025-01-21T18:12:33Z ${item.principal} called DeleteGuardrail (mltrail show 3105145b-d0ca-41ab-a0fd-73f4f31ccbd1)`,
    ]);
  });
});
