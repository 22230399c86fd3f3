import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';

/**
 * Every record of a table's stream, as a downstream consumer reads it: each shard from
 * TRIM_HORIZON until a read returns nothing (DynamoDB Local's shards stay open).
 */
export async function readWholeStream(streams: DynamoDBStreamsClient, streamArn: string): Promise<_Record[]> {
  const records: _Record[] = [];
  let exclusiveStartShardId: string | undefined;
  do {
    const described = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
    );
    for (const shard of described.StreamDescription?.Shards ?? []) {
      const start = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      let iterator = start.ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const batch = page.Records ?? [];
        records.push(...batch);
        if (batch.length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    exclusiveStartShardId = described.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId);
  return records;
}
