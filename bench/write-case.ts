import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshallItem } from '../contract/item-marshaller';
import type { MlEventItem } from '../contract/ml-event-item';
import { createDynamoDbClient } from '../lambda/adapters/aws-clients';
import { DynamoDbEventWriter } from '../lambda/adapters/dynamodb-event-writer';
import { ingestLogFile } from '../lambda/core/ingest-log-file';
import { DEFAULT_SERVICE_CATALOGUE } from '../lambda/core/service-catalogue';

/**
 * The writer against a stand-in endpoint on loopback that answers after a table's latency (10 ms):
 * mltrail's writer (BatchWriteItem, requests in flight at once) and one PutItem per event, awaited,
 * as a handler that writes each event as it finds it would. Prints one JSON line: items/s of each
 * and the client's CPU per item (this process; the endpoint is another one).
 *
 * Usage: write-case.ts <log file (gzipped, many ML events)> <mltrail items> <PutItem items>
 */
const [path, mltrailCount, putItemCount] = process.argv.slice(2) as [string, string, string];
const LATENCY_MS = 10;

async function startEndpoint(): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'stand-in-dynamodb.ts'), String(LATENCY_MS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the stand-in endpoint exited (${code})`)));
    child.stdout?.on('data', (data: Buffer) => {
      const match = /port (\d+)/.exec(data.toString());
      if (match) resolve(match[1] as string);
    });
  });
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

async function readItems(count: number): Promise<MlEventItem[]> {
  const items: MlEventItem[] = [];
  await ingestLogFile(
    { body: createReadStream(path), logFile: `file://${path}` },
    DEFAULT_SERVICE_CATALOGUE,
    {
      put: async (item) => {
        if (items.length < count) items.push(item);
      },
    },
  );
  return items;
}

function measure<T>(run: () => Promise<T>): Promise<{ seconds: number; cpuSeconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return run().then((result) => {
    const used = process.cpuUsage(cpu);
    return {
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      cpuSeconds: (used.user + used.system) / 1e6,
      result,
    };
  });
}

const { child, endpoint } = await startEndpoint();
try {
  const client = createDynamoDbClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
  });
  const items = await readItems(Math.max(Number(mltrailCount), Number(putItemCount)));
  // One request each way first, so that neither pays for the connection and the SDK's first use.
  await client.send(new PutItemCommand({ TableName: 'bench', Item: marshallItem(items[0] as MlEventItem) }));

  const mltrail = await measure(async () => {
    const writer = new DynamoDbEventWriter(client, 'bench', { deadline: Date.now() + 600_000 });
    for (const item of items.slice(0, Number(mltrailCount))) await writer.put(item);
    return (await writer.flush()).itemsWritten;
  });
  const putItem = await measure(async () => {
    const some = items.slice(0, Number(putItemCount));
    for (const item of some)
      await client.send(new PutItemCommand({ TableName: 'bench', Item: marshallItem(item) }));
    return some.length;
  });
  process.stdout.write(
    `${JSON.stringify({
      latencyMs: LATENCY_MS,
      mltrailItems: mltrail.result,
      mltrailItemsPerS: mltrail.result / mltrail.seconds,
      mltrailCpuMsPerItem: (mltrail.cpuSeconds * 1000) / mltrail.result,
      putItemItems: putItem.result,
      putItemItemsPerS: putItem.result / putItem.seconds,
      putItemCpuMsPerItem: (putItem.cpuSeconds * 1000) / putItem.result,
    })}\n`,
  );
} finally {
  child.kill();
}
