import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { queryEvents } from '../../client/event-queries';
import type { MlEventItem } from '../../contract/ml-event-item';
import { createS3ObjectReader } from '../../lambda/adapters/aws-clients';
import type { S3GetObjectClient } from '../../lambda/adapters/s3-get-object';
import type { ObjectOutcome } from '../../lambda/ingest-object';
import { clientSettingsFor } from '../aws-endpoints';
import { type CliContext, writeLines } from '../cli-context';
import {
  detectionSettingsFrom,
  formatAlerts,
  itemsInTimeOrder,
  replayDetections,
} from '../detections-replay';
import { DEFAULT_DATA_DIR, DEFAULT_TABLE_NAME, type EventStore, openEventStore } from '../event-store';
import { formatSummary, IngestTally } from '../ingest-tally';
import { createLocalIngestFunction, type FileReport } from '../local/local-ingest-function';
import { connectLocalPipeline, type LocalPipeline } from '../local/local-pipeline';
import {
  localStoreStatus,
  STORE_IDLE_SECONDS_VARIABLE,
  stopLocalStore,
  storeDirOf,
} from '../local/local-store';
import { type LocalS3Server, startLocalS3 } from '../local/s3rver-server';
import { walkFiles } from '../log-file-walker';
import { catalogueServices } from '../query-options';
import { stopOnSignal } from '../stop-on-signal';
import { formatEventTable } from '../table-output';
import { UsageError } from '../usage-error';
import { tableWidthOf } from './query';

/** Bucket of the local S3 that stands for the trail's log bucket. */
export const LOCAL_TRAIL_BUCKET = 'mltrail-local-trail';

/** The bundled sample logs, in CloudTrail's key layout below `AWSLogs/`. */
export const BUNDLED_SAMPLES_DIR = fileURLToPath(new URL('../../samples', import.meta.url));

/** Options of `mltrail local`. */
export interface LocalCommandOptions {
  readonly dataDir: string;
  /** Table name at `endpoint`. */
  readonly table: string;
  readonly endpoint?: string;
  /** Folder whose `AWSLogs/` files are uploaded. */
  readonly samples: string;
  /** Keep the servers running for more uploads until Ctrl-C. */
  readonly serve: boolean;
  /** Print the function's own log lines. */
  readonly verbose: boolean;
}

interface LocalRun {
  readonly store: EventStore;
  readonly s3Server: LocalS3Server;
  readonly s3: S3Client;
  /** The function's reader of the uploaded files: the deployed function's own code. */
  readonly reader: S3GetObjectClient;
  readonly pipeline: LocalPipeline;
  readonly reports: ReadonlyMap<string, FileReport>;
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

async function uploadSamples(s3: S3Client, samplesDir: string): Promise<number> {
  let uploaded = 0;
  for await (const file of walkFiles(samplesDir)) {
    const key = relative(samplesDir, file.path).split(sep).join('/');
    if (!key.startsWith('AWSLogs/')) continue;
    await s3.send(
      new PutObjectCommand({ Bucket: LOCAL_TRAIL_BUCKET, Key: key, Body: await readFile(file.path) }),
    );
    uploaded += 1;
  }
  return uploaded;
}

function summarize(reports: ReadonlyMap<string, FileReport>) {
  const tally = new IngestTally();
  for (const report of reports.values()) {
    if (report.status === 'failed') tally.fail(report.logFile, report.error, 0, report);
    else tally.add(report as ObjectOutcome);
  }
  return tally.summary();
}

async function landedEvents(store: EventStore, services: readonly string[]): Promise<MlEventItem[]> {
  const items: MlEventItem[] = [];
  for (const service of services) {
    const table = { client: store.readClient, tableName: store.tableName };
    for await (const item of queryEvents(table, { service }, { full: true })) {
      // Items of the trail bucket store its object key; a local file's, its file:// URL.
      if (!item.logFile.includes('://')) items.push(item);
    }
  }
  return items.sort((a, b) =>
    a.eventTime === b.eventTime ? (a.eventID < b.eventID ? 1 : -1) : a.eventTime < b.eventTime ? 1 : -1,
  );
}

function exampleQueries(items: readonly MlEventItem[], options: LocalCommandOptions): string[] {
  const target = [
    ...(options.endpoint ? [`--endpoint ${options.endpoint} --table ${options.table}`] : []),
    ...(options.dataDir !== DEFAULT_DATA_DIR && !options.endpoint ? [`--data-dir '${options.dataDir}'`] : []),
  ].join(' ');
  const suffix = target ? ` ${target}` : '';
  const [newest] = items;
  if (!newest) return [];
  const withAccount = items.find((item) => item.recipientAccountId);
  return [
    'try:',
    `  npx mltrail query --service ${newest.service}${suffix}`,
    `  npx mltrail query --principal '${newest.principal}'${suffix}`,
    ...(withAccount
      ? [`  npx mltrail query --account ${withAccount.recipientAccountId} --since 2018-01-01 --json${suffix}`]
      : []),
    `  npx mltrail show ${newest.eventID}${suffix}`,
    `  npx mltrail stats --by service --since 2018-01-01${suffix}`,
  ];
}

async function start(options: LocalCommandOptions, context: CliContext): Promise<LocalRun> {
  const store = await openEventStore({
    dataDir: options.dataDir,
    env: context.env,
    ...(options.endpoint ? { endpoint: options.endpoint, table: options.table } : {}),
  });
  let s3Server: LocalS3Server | undefined;
  try {
    s3Server = await startLocalS3({ buckets: [LOCAL_TRAIL_BUCKET] });
    const settings = { ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true };
    const s3 = context.createS3Client(settings);
    const reader = createS3ObjectReader(settings);
    const fn = createLocalIngestFunction({
      tableName: store.tableName,
      s3: reader,
      dynamodb: store.client,
      verbose: options.verbose,
      env: context.env,
    });
    const pipeline = connectLocalPipeline({ s3Events: s3Server.events, handler: fn.handler });
    return { store, s3Server, s3, reader, pipeline, reports: fn.reports };
  } catch (error) {
    await s3Server?.stop();
    await store.close();
    throw error;
  }
}

async function stop(run: LocalRun): Promise<void> {
  run.pipeline.disconnect();
  run.s3.destroy();
  run.reader.destroy();
  await Promise.allSettled([run.s3Server.stop(), run.store.close()]);
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * `mltrail local` (`npm start`): the whole pipeline on this machine. Starts DynamoDB Local and a
 * local S3, creates the table and the trail bucket, routes object-created events through the
 * stack's filter and a queue to the function's handler, uploads the sample logs, prints what
 * landed and example queries, and stops its servers.
 */
export async function runLocal(options: LocalCommandOptions, context: CliContext): Promise<number> {
  if (options.table !== DEFAULT_TABLE_NAME && !options.endpoint) {
    throw new UsageError('--table needs --endpoint: the embedded store holds one table, mltrail-events');
  }
  const run = await start(options, context);
  const removeSignalHandlers = stopOnSignal(() => stop(run));
  try {
    writeLines(context.stdout, [
      `events: ${run.store.description}`,
      `trail bucket: s3://${LOCAL_TRAIL_BUCKET} in s3rver at ${run.s3Server.endpoint}`,
    ]);
    const uploaded = await uploadSamples(run.s3, options.samples);
    await run.pipeline.drained();
    const summary = summarize(run.reports);
    const items = await landedEvents(run.store, Object.keys(summary.eventsByService));
    const alerts = await replayDetections(
      await itemsInTimeOrder(run.store.readClient, run.store.tableName, catalogueServices(context.env)),
      detectionSettingsFrom(context.env),
    );
    writeLines(context.stdout, [
      `uploaded ${countOf(uploaded, 'file')} to s3://${LOCAL_TRAIL_BUCKET}/AWSLogs/; ${run.pipeline.queued.length} passed the notification filter`,
      ...formatSummary(summary),
      ...(run.pipeline.deadLetters.length > 0
        ? [`dead-lettered: ${countOf(run.pipeline.deadLetters.length, 'message')}`]
        : []),
      '',
      ...(items.length > 0
        ? formatEventTable(items, tableWidthOf(context.stdout)).lines
        : ['no events landed']),
      '',
      'detections (the rules of the detections function; npx mltrail detect runs them again):',
      ...formatAlerts(alerts),
      '',
      ...exampleQueries(items, options),
    ]);
    if (options.serve) {
      writeLines(context.stdout, [
        '',
        `serving: upload more log files with aws --endpoint-url ${run.s3Server.endpoint} s3 cp <file> s3://${LOCAL_TRAIL_BUCKET}/AWSLogs/...`,
        'press Ctrl-C to stop',
      ]);
      removeSignalHandlers();
      await waitForSignal();
    }
    return summary.files.failed > 0 || run.pipeline.deadLetters.length > 0 ? 1 : 0;
  } finally {
    removeSignalHandlers();
    await stop(run);
  }
}

/** Options of `mltrail local stop` and `mltrail local status`. */
export interface LocalStoreCommandOptions {
  readonly dataDir: string;
  readonly json: boolean;
}

/** `mltrail local stop`: stops the kept store of the data folder, waiting until its Java has exited. */
export async function runLocalStop(options: LocalStoreCommandOptions, context: CliContext): Promise<number> {
  const pid = await stopLocalStore(options.dataDir);
  const where = resolve(storeDirOf(options.dataDir));
  if (options.json)
    context.stdout.write(`${JSON.stringify({ stopped: pid !== undefined, pid, dataDir: where })}\n`);
  else if (pid === undefined) writeLines(context.stdout, [`no store was running for ${where}`]);
  else writeLines(context.stdout, [`stopped the store of ${where} (pid ${pid})`]);
  return 0;
}

/** `mltrail local status`: whether a kept store serves the data folder, where, and for how long. */
export async function runLocalStatus(
  options: LocalStoreCommandOptions,
  context: CliContext,
): Promise<number> {
  const running = await localStoreStatus(options.dataDir);
  const where = resolve(storeDirOf(options.dataDir));
  if (options.json) {
    context.stdout.write(
      `${JSON.stringify(
        running
          ? {
              running: true,
              endpoint: `http://127.0.0.1:${running.status.port}`,
              pid: running.status.pid,
              dataDir: running.status.dbPath,
              idleSeconds: running.status.idleSeconds,
              idleTimeoutSeconds: running.status.idleTimeoutSeconds,
              startedAt: running.state.startedAt,
            }
          : { running: false, dataDir: where },
      )}\n`,
    );
    return 0;
  }
  if (!running) {
    writeLines(context.stdout, [`not running: no store serves ${where} (the next command starts one)`]);
    return 0;
  }
  const { status, state } = running;
  writeLines(context.stdout, [
    `running: DynamoDB Local at http://127.0.0.1:${status.port} (pid ${status.pid}), data in ${status.dbPath}`,
    `started ${state.startedAt}; idle ${status.idleSeconds} s, stops after ${status.idleTimeoutSeconds} s idle (${STORE_IDLE_SECONDS_VARIABLE}); mltrail local stop stops it now`,
  ]);
  return 0;
}
