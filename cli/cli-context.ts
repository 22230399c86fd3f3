import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientSettings } from './aws-endpoints';
import { createS3Client } from './s3-client';

/** Where a command writes. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The SQS operations backfill and redrive use. */
export type SqsSender = Pick<SQSClient, 'send'>;

/** S3 client settings: path-style addressing for local servers, Region redirects for AWS. */
export type S3ClientSettings = ClientSettings & {
  readonly forcePathStyle?: boolean;
  readonly followRegionRedirects?: boolean;
};

/** What commands talk to; tests replace parts (there is no local SQS server). */
export interface CliContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Environment the function's settings are read from. */
  readonly env: NodeJS.ProcessEnv;
  readonly createS3Client: (settings: S3ClientSettings) => S3Client;
  readonly createSqsClient: (settings: ClientSettings) => SqsSender;
}

/** The context of a real run: the process's streams and environment, real SDK clients. */
export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    createS3Client: (settings) => createS3Client(settings),
    createSqsClient: (settings) => new SQSClient(settings),
  };
}

/** Writes lines to a stream. */
export function writeLines(stream: OutputStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}
