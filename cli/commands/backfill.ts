import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { LOG_FILE_SUFFIX } from '../../contract/log-file-layout';
import { selectLogObject } from '../../lambda/core/log-object-selection';
import { clientSettingsFor } from '../aws-endpoints';
import { type CliContext, type SqsSender, writeLines } from '../cli-context';
import { dayRangeOf } from '../date-range';
import { type CreatedObject, s3EventNotificationBody } from '../s3-event-message';
import { listLogObjects } from '../s3-log-lister';
import { regionOfQueueUrl } from '../sqs-queue-url';

/** Options of `mltrail backfill`. */
export interface BackfillCommandOptions {
  readonly bucket: string;
  readonly prefix?: string;
  readonly since: string;
  readonly until: string;
  readonly queue: string;
  readonly region?: string;
  readonly s3Endpoint?: string;
  /** List what would be sent, send nothing. */
  readonly dryRun: boolean;
  readonly json: boolean;
}

/** SendMessageBatch takes at most 10 messages. */
export const MAX_SEND_BATCH_MESSAGES = 10;
const MAX_SEND_ATTEMPTS = 3;

/** A message SQS did not take. */
interface SendFailure {
  readonly key: string;
  readonly error: string;
}

// The stack's notification filter, so that backfill sends what S3 itself would have sent.
function isNotified(key: string, size: number): boolean {
  return key.endsWith(LOG_FILE_SUFFIX) && selectLogObject(key, size).ingest;
}

async function sendBatch(
  sqs: SqsSender,
  queueUrl: string,
  objects: readonly CreatedObject[],
): Promise<SendFailure[]> {
  let pending: SendMessageBatchRequestEntry[] = objects.map((object, index) => ({
    Id: String(index),
    MessageBody: s3EventNotificationBody(object),
  }));
  const failures: SendFailure[] = [];
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
    const failed = response.Failed ?? [];
    // Sender faults (a bad message) would fail again; only the service's own failures are retried.
    const retryable = new Set(
      failed.filter((entry) => !entry.SenderFault && attempt < MAX_SEND_ATTEMPTS).map((entry) => entry.Id),
    );
    for (const entry of failed.filter((each) => !retryable.has(each.Id))) {
      failures.push({
        key: objects[Number(entry.Id)]?.key ?? `entry ${entry.Id}`,
        error: `${entry.Code}: ${entry.Message ?? 'no message'}`,
      });
    }
    pending = pending.filter((entry) => retryable.has(entry.Id));
  }
  return failures;
}

/**
 * `mltrail backfill`: sends one S3 event notification per log file of the trail in the date range
 * to the deployed queue, as S3 sends them, so that the deployed function ingests them. Items are
 * deterministic: sending a file twice changes nothing in the table.
 */
export async function runBackfill(options: BackfillCommandOptions, context: CliContext): Promise<number> {
  const range = dayRangeOf(options.since, options.until);
  const region = options.region ?? regionOfQueueUrl(options.queue);
  const s3 = context.createS3Client({
    ...clientSettingsFor(options.s3Endpoint, region),
    // A trail bucket may be in another Region than the default one.
    ...(options.s3Endpoint ? { forcePathStyle: true } : { followRegionRedirects: true }),
  });
  const sqs = context.createSqsClient(clientSettingsFor(undefined, region));
  const failures: SendFailure[] = [];
  let files = 0;
  let bytes = 0;
  let batch: CreatedObject[] = [];
  const flush = async () => {
    if (!options.dryRun && batch.length > 0) failures.push(...(await sendBatch(sqs, options.queue, batch)));
    batch = [];
  };
  try {
    for await (const object of listLogObjects(s3, options.bucket, options.prefix ?? '', range)) {
      if (!isNotified(object.key, object.size)) continue;
      files += 1;
      bytes += object.size;
      if (options.dryRun && !options.json) context.stdout.write(`s3://${options.bucket}/${object.key}\n`);
      batch.push({ bucket: options.bucket, key: object.key, size: object.size });
      if (batch.length === MAX_SEND_BATCH_MESSAGES) await flush();
    }
    await flush();
  } finally {
    s3.destroy();
  }
  const sent = options.dryRun ? 0 : files - failures.length;
  if (options.json) {
    context.stdout.write(`${JSON.stringify({ files, bytes, sent, dryRun: options.dryRun, failures })}\n`);
  } else {
    const source = `s3://${options.bucket}/${options.prefix ?? ''}`;
    const period = `${range.since} to ${range.until}`;
    writeLines(context.stdout, [
      options.dryRun
        ? `${files} log files (${formatMegabytes(bytes)}) in ${source} from ${period} would be sent to ${options.queue}`
        : `sent ${sent} of ${files} log files (${formatMegabytes(bytes)}) in ${source} from ${period} to ${options.queue}`,
      ...failures.map((failure) => `  not sent: ${failure.key}: ${failure.error}`),
    ]);
  }
  return failures.length > 0 ? 1 : 0;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
