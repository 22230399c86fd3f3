import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { encodeS3EventKey } from '../../cli/s3-event-message';

/** One line the handler logged. */
export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly data: Record<string, unknown>;
}

/** A logger that keeps its lines in `lines`. */
export function recordingLogger(lines: LogLine[]): Logger {
  const record =
    (level: LogLine['level']) =>
    (message: string, data: Record<string, unknown> = {}) => {
      lines.push({ level, message, data });
    };
  return { info: record('info'), warn: record('warn'), error: record('error') } as unknown as Logger;
}

/** Metrics that keep the sum of each metric name in `counts` instead of publishing them. */
export class RecordingMetrics extends Metrics {
  readonly counts = new Map<string, number>();

  constructor() {
    super({ namespace: 'mltrail-test' });
  }

  override addMetric(name: string, _unit: unknown, value: number): this {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
    return this;
  }

  override addDimension(): this {
    return this;
  }

  override singleMetric(): Metrics {
    return this;
  }

  override hasStoredMetrics(): boolean {
    return false;
  }
}

/** An S3 ObjectCreated notification of one object, its key URL-encoded as S3 sends it. */
export function s3Notification(bucket: string, key: string, size = 100) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeS3EventKey(key), size } },
      },
    ],
  };
}

/** An SQS batch with one message per entry: message id -> body (an object is sent as JSON). */
export function sqsEvent(bodies: Record<string, unknown>): SQSEvent {
  return {
    Records: Object.entries(bodies).map(([messageId, body]) => ({
      messageId,
      receiptHandle: `handle-${messageId}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {} as SQSEvent['Records'][number]['attributes'],
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:mltrail-queue',
      awsRegion: 'us-east-1',
    })),
  };
}

/** A Lambda context with `remainingMs` left, counted down from its creation. */
export function lambdaContextWith(remainingMs: number, now: () => number = Date.now): Context {
  const endsAt = now() + remainingMs;
  return { getRemainingTimeInMillis: () => endsAt - now() } as Context;
}
