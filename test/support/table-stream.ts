import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';

const MAX_PAGES_PER_SHARD = 20;

/** A downstream consumer: reads every record of every shard from the start (TRIM_HORIZON). */
export async function readWholeStream(streams: DynamoDBStreamsClient, streamArn: string): Promise<_Record[]> {
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: _Record[] = [];
  for (const shard of described.StreamDescription?.Shards ?? []) {
    const start = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = start.ShardIterator;
    for (let page = 0; iterator && page < MAX_PAGES_PER_SHARD; page += 1) {
      const batch = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(batch.Records ?? []));
      if ((batch.Records ?? []).length === 0) break;
      iterator = batch.NextShardIterator;
    }
  }
  return records;
}
