import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { clientSettingsFor } from '../cli/aws-endpoints';
import { startDynamoDbLocal } from '../cli/local/dynamodb-local-server';
import { ensureEventsTable } from '../cli/local/events-table';
import { createDynamoDbClient } from '../lambda/adapters/aws-clients';
import { keysOfNotificationBody, readTableStream, runLoadBurst, scanMlEventKeys } from './load-burst';
import type { BurstManifest } from './log-generator';
import { ownUsage, usageOfPid } from './process-usage';

/**
 * One measured burst, in a process of its own: the files of a manifest written by
 * `ensureBurstFiles` through s3rver, the local queue and `concurrency` handlers (this process)
 * into DynamoDB Local (a Java child). Prints one JSON line of figures and checks.
 */
const [dir, concurrencyText] = process.argv.slice(2) as [string, string];
const concurrency = Number(concurrencyText);
const DRAIN_TIMEOUT_MS = 30 * 60_000;
const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BurstManifest;

const dynamoDb = await startDynamoDbLocal();
const settings = clientSettingsFor(dynamoDb.endpoint);
const client = new DynamoDBClient(settings);
const writer = createDynamoDbClient(settings);
const streams = new DynamoDBStreamsClient(settings);
try {
  const tableName = 'mltrail-load';
  const streamArn = (await ensureEventsTable(client, tableName)) as string;
  const javaBefore = usageOfPid(dynamoDb.pid);
  const ownBefore = ownUsage();

  const result = await runLoadBurst({
    files: manifest.keys.map((key) => ({ key, body: () => readFile(join(dir, key)) })),
    dynamodb: writer,
    tableName,
    concurrency,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    env: process.env,
  });

  const own = ownUsage();
  const java = usageOfPid(dynamoDb.pid);
  const items = await scanMlEventKeys(client, tableName);
  const stream = await readTableStream(streams, streamArn);
  const expected = new Set(manifest.distinctMlEventKeys);
  const ingested = [...result.reports.values()].filter((report) => report.status === 'ingested').length;
  const acknowledgedKeys = new Set(
    result.acknowledged.flatMap((message) => keysOfNotificationBody(message.body)),
  );
  process.stdout.write(
    `${JSON.stringify({
      files: result.uploadedKeys.length,
      records: manifest.records,
      mlRecords: manifest.mlRecords,
      distinctMlEvents: expected.size,
      inFileDuplicates: manifest.inFileDuplicates,
      crossFileDuplicates: manifest.crossFileDuplicates,
      compressedMb: manifest.compressedBytes / 2 ** 20,
      seconds: result.seconds,
      itemsInTable: items.itemCount,
      missingItems: [...expected].filter((key) => !items.byEventKey.has(key)).length,
      unexpectedItems: [...items.byEventKey.keys()].filter((key) => !expected.has(key)).length,
      filesIngested: ingested,
      acknowledged: result.acknowledged.length,
      acknowledgedFiles: acknowledgedKeys.size,
      redelivered: result.acknowledged.filter((message) => message.receiveCount > 1).length,
      deadLetters: result.deadLetters.length,
      ...result.queue,
      stream: stream.countsByEventName,
      cpuSeconds: own.cpuSeconds - ownBefore.cpuSeconds,
      peakRssMb: own.peakRssMb,
      dynamoDbCpuSeconds: java.cpuSeconds - javaBefore.cpuSeconds,
      dynamoDbPeakRssMb: java.peakRssMb,
    })}\n`,
  );
} finally {
  for (const each of [client, writer, streams]) each.destroy();
  await dynamoDb.stop();
}
