import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../../contract/environment';
import { DynamoDbEventWriter } from '../../lambda/adapters/dynamodb-event-writer';
import { openS3Object } from '../../lambda/adapters/s3-log-source';
import { type IngestConfig, loadConfig } from '../../lambda/config';
import type { RecordReader } from '../../lambda/core/ingest-log-file';
import { selectLogObject } from '../../lambda/core/log-object-selection';
import { ingestLogObject, LogObjectFailedError, type OpenedObject } from '../../lambda/ingest-object';
import { clientSettingsFor } from '../aws-endpoints';
import { CandidateFeed } from '../candidate-feed';
import { type CliContext, writeLines } from '../cli-context';
import { type DayRange, dayRangeOf, overlapsRange } from '../date-range';
import { DEFAULT_TABLE_NAME, type EventStore, openEventStore } from '../event-store';
import { readRecordsOfAnyFormat } from '../ingest-formats';
import { formatSummary, IngestTally } from '../ingest-tally';
import { isDataFileName, walkFiles } from '../log-file-walker';
import { createProgress } from '../progress';
import { s3ClientObjectReader } from '../s3-client';
import { listLogObjects } from '../s3-log-lister';
import { stopOnSignal } from '../stop-on-signal';
import { UsageError } from '../usage-error';

/** Options of `mltrail ingest`. */
export interface IngestCommandOptions {
  readonly since?: string;
  readonly until?: string;
  /** Log files read at once. */
  readonly concurrency: number;
  readonly table?: string;
  readonly endpoint?: string;
  readonly dataDir: string;
  readonly region?: string;
  /** S3-compatible endpoint for `s3://` paths. */
  readonly s3Endpoint?: string;
  readonly json: boolean;
}

/** A file to ingest, wherever it is. */
interface Candidate {
  readonly logFile: string;
  readonly key: string;
  readonly size: number;
  readonly open: () => Promise<OpenedObject>;
  readonly readRecords?: RecordReader;
}

type Source =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'local'; readonly path: string };

const S3_URL = /^s3:\/\/([^/]+)\/?(.*)$/;

/**
 * Time one file's events have to reach the table, from the file's start: the function's longest
 * possible timeout (15 minutes). Throttling slows a file down until then; past it the file is
 * reported failed, and a run of the same command writes it again.
 */
export const FILE_WRITE_DEADLINE_MS = 15 * 60_000;

async function sourceOf(path: string): Promise<Source> {
  if (path.startsWith('s3://')) {
    const match = S3_URL.exec(path);
    if (!match) throw new UsageError(`"${path}" is not an S3 URL: use s3://bucket or s3://bucket/prefix`);
    return { kind: 's3', bucket: match[1] as string, prefix: match[2] as string };
  }
  const found = await stat(path).catch(() => undefined);
  if (!found) throw new UsageError(`no such file or folder: ${path}`);
  return { kind: 'local', path };
}

async function* candidatesOf(source: Source, range: DayRange, s3: () => S3Client): AsyncGenerator<Candidate> {
  if (source.kind === 'local') {
    const named = (await stat(source.path)).isFile();
    for await (const file of walkFiles(source.path)) {
      yield {
        logFile: `file://${file.key}`,
        key: file.key,
        size: file.size,
        open: async () => ({ body: createReadStream(file.path), contentLength: file.size }),
        // A file named on the command line is read whatever its name; in a folder, files named as data are.
        ...(named || isDataFileName(file.key) ? { readRecords: readRecordsOfAnyFormat } : {}),
      };
    }
    return;
  }
  const client = s3();
  const reader = s3ClientObjectReader(client);
  for await (const object of listLogObjects(client, source.bucket, source.prefix, range)) {
    yield {
      logFile: `s3://${source.bucket}/${object.key}`,
      key: object.key,
      size: object.size,
      open: () => openS3Object(reader, source.bucket, object.key),
    };
  }
}

function isOutOfRange(candidate: Candidate, range: DayRange): boolean {
  const selection = selectLogObject(candidate.key, candidate.size);
  return selection.ingest && !overlapsRange(selection.log.date, range);
}

function readConfig(context: CliContext, tableName: string): IngestConfig {
  return loadConfig({ ...context.env, [ENV.TABLE_NAME]: tableName });
}

async function* candidatesInRange(
  sources: readonly Source[],
  range: DayRange,
  s3: () => S3Client,
  tally: IngestTally,
): AsyncGenerator<Candidate> {
  let outOfRange = 0;
  for (const source of sources) {
    for await (const candidate of candidatesOf(source, range, s3)) {
      if (isOutOfRange(candidate, range)) outOfRange += 1;
      else yield candidate;
    }
  }
  tally.leaveOutOfRange(outOfRange);
}

async function ingestAll(
  feed: CandidateFeed<Candidate>,
  store: EventStore,
  config: IngestConfig,
  tally: IngestTally,
  options: IngestCommandOptions,
  context: CliContext,
): Promise<void> {
  const progress = createProgress(context.stderr, { quiet: options.json });
  const worker = async () => {
    for (let candidate = await feed.next(); candidate; candidate = await feed.next()) {
      try {
        const outcome = await ingestLogObject(
          candidate,
          candidate.open,
          () =>
            new DynamoDbEventWriter(store.client, store.tableName, {
              concurrency: config.writeConcurrency,
              deadline: Date.now() + FILE_WRITE_DEADLINE_MS,
            }),
          config,
        );
        tally.add(outcome, candidate.size);
      } catch (error) {
        const before =
          error instanceof LogObjectFailedError ? { read: error.read, ...error.written } : undefined;
        tally.fail(candidate.logFile, error, candidate.size, before);
      }
      progress.update(
        { files: tally.filesDone, events: tally.eventsFound, bytes: tally.bytesDone },
        feed.listed,
      );
    }
  };
  const workers = await Promise.allSettled(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  progress.update({ files: tally.filesDone, events: tally.eventsFound, bytes: tally.bytesDone }, feed.listed);
  progress.finish();
  const listingFailure = workers.find((worker) => worker.status === 'rejected');
  if (listingFailure) throw listingFailure.reason;
}

/**
 * `mltrail ingest <path>...`: reads CloudTrail log files from files, folders (recursively) and
 * `s3://bucket/prefix` URLs with the function's own code, and writes their ML events into the
 * table. Returns the exit code: 1 when some file failed.
 */
export async function runIngest(
  paths: readonly string[],
  options: IngestCommandOptions,
  context: CliContext,
): Promise<number> {
  const range = dayRangeOf(options.since, options.until);
  const sources = await Promise.all(paths.map(sourceOf));
  const config = readConfig(context, options.table ?? DEFAULT_TABLE_NAME);
  let s3Client: S3Client | undefined;
  const s3 = () => {
    s3Client ??= context.createS3Client({
      ...clientSettingsFor(options.s3Endpoint, options.region),
      // A trail bucket may be in another Region than the default one.
      ...(options.s3Endpoint ? { forcePathStyle: true } : { followRegionRedirects: true }),
    });
    return s3Client;
  };
  const tally = new IngestTally();
  // Listing starts now and runs ahead of the readers, bounded: a bucket is never listed whole first.
  const feed = new CandidateFeed(candidatesInRange(sources, range, s3, tally));
  const store = await openEventStore({ ...options, env: context.env });
  const removeSignalHandlers = stopOnSignal(() => store.close());
  try {
    await ingestAll(feed, store, config, tally, options, context);
  } finally {
    removeSignalHandlers();
    await store.close();
    s3Client?.destroy();
  }
  const summary = tally.summary();
  if (options.json) {
    context.stdout.write(`${JSON.stringify({ table: store.tableName, ...summary })}\n`);
  } else {
    writeLines(context.stdout, [`ingested into ${store.description}`, ...formatSummary(summary)]);
  }
  return summary.files.failed > 0 ? 1 : 0;
}
