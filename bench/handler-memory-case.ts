import type { SQSEvent } from 'aws-lambda';
import { clientSettingsFor } from '../cli/aws-endpoints';
import { createLocalIngestFunction } from '../cli/local/local-ingest-function';
import { s3EventNotificationBody } from '../cli/s3-event-message';
import { createDynamoDbClient, createS3ObjectReader } from '../lambda/adapters/aws-clients';

/**
 * One SQS batch through the function's real handler, in a process of its own so that its peak
 * RSS is its own: one message per log file named on the command line, read from s3rver and
 * written to DynamoDB Local (both outside this process). Prints one JSON line: the handler's
 * failures, each file's counts, seconds and this process's peak RSS (`maxRSS`).
 *
 * Usage: handler-memory-case.ts <name> <s3 endpoint> <dynamodb endpoint> <table> <bucket> <size> <key>...
 * (`size`: the objects' size in bytes, as the notification gives it)
 */
const [name, s3Endpoint, dynamoDbEndpoint, tableName, bucket, size, ...keys] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  ...string[],
];
const s3 = createS3ObjectReader({ ...clientSettingsFor(s3Endpoint), forcePathStyle: true });
const dynamodb = createDynamoDbClient(clientSettingsFor(dynamoDbEndpoint));
const fn = createLocalIngestFunction({ tableName, s3, dynamodb, env: process.env });
const event: SQSEvent = {
  Records: keys.map((key, index) => ({
    messageId: `message-${index}`,
    receiptHandle: `message-${index}#1`,
    body: s3EventNotificationBody({ bucket, key, size: Number(size) }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'mltrail-bench',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:mltrail-bench',
    awsRegion: 'us-east-1',
  })),
};

const started = process.hrtime.bigint();
const response = await fn.handler(event);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const files = [...fn.reports.values()].map((report) =>
  report.status === 'ingested'
    ? {
        status: report.status,
        records: report.records,
        mlEvents: report.mlEvents,
        malformedRecords: report.malformedRecords,
        itemsWritten: report.itemsWritten,
      }
    : report.status === 'failed'
      ? { status: report.status, error: report.error.slice(0, 200) }
      : { status: report.status, reason: report.reason },
);
s3.destroy();
dynamodb.destroy();
process.stdout.write(
  `${JSON.stringify({
    name,
    messages: keys.length,
    failures: response?.batchItemFailures.length ?? 0,
    files,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
