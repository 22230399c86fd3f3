import { PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3Server, startLocalS3 } from '../../cli/local/s3rver-server';
import { s3ClientObjectReader } from '../../cli/s3-client';
import { openS3Object, type S3ObjectReader } from '../../lambda/adapters/s3-log-source';
import { LogFileError, LogFileGoneError } from '../../lambda/core/errors';
import { localS3Client, localS3ObjectReader } from '../support/local-aws';

const BUCKET = 'trail-bucket';

function s3Error(name: string, httpStatusCode: number, message: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message });
}

function refusingS3(error: Error): S3ObjectReader {
  return {
    getObject: async () => {
      throw error;
    },
  };
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

// The function reads through its own signed GetObject; the CLI's ingest command through the SDK.
type ReaderOf = (endpoint: string) => { reader: S3ObjectReader; destroy: () => void };
const functionReader: ReaderOf = (endpoint) => {
  const reader = localS3ObjectReader(endpoint);
  return { reader, destroy: () => reader.destroy() };
};
const sdkReader: ReaderOf = (endpoint) => {
  const client = localS3Client(endpoint);
  return { reader: s3ClientObjectReader(client), destroy: () => client.destroy() };
};

describe.each([
  ["the function's GetObject client", functionReader],
  ['the SDK S3 client (the CLI)', sdkReader],
])('openS3Object against s3rver through %s', (_name, readerOf) => {
  let server: LocalS3Server;
  let uploads: S3Client;
  let s3: S3ObjectReader;
  let destroyReader: (() => void) | undefined;

  beforeAll(async () => {
    server = await startLocalS3({ buckets: [BUCKET] });
    uploads = localS3Client(server.endpoint);
    ({ reader: s3, destroy: destroyReader } = readerOf(server.endpoint));
    await uploads.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'AWSLogs/here.json', Body: '{"Records":[]}' }),
    );
  });

  afterAll(async () => {
    uploads?.destroy();
    destroyReader?.();
    await server?.stop();
  });

  it('streams an object and tells its size', async () => {
    const opened = await openS3Object(s3, BUCKET, 'AWSLogs/here.json');

    expect(opened.contentLength).toBe(14);
    expect(await readText(opened.body)).toBe('{"Records":[]}');
  });

  it('throws LogFileGoneError naming the file when the key does not exist', async () => {
    const error = await errorOf(openS3Object(s3, BUCKET, 'AWSLogs/deleted.json.gz'));

    expect(error).toBeInstanceOf(LogFileGoneError);
    expect(error.message).toBe(`s3://${BUCKET}/AWSLogs/deleted.json.gz: the object no longer exists`);
    expect((error.cause as Error).name).toBe('NoSuchKey');
  });

  it('reports a missing bucket as a failure naming NoSuchBucket, not as a file gone', async () => {
    const error = await errorOf(openS3Object(s3, 'no-such-bucket', 'AWSLogs/a.json.gz'));

    expect(error).toBeInstanceOf(LogFileError);
    expect(error).not.toBeInstanceOf(LogFileGoneError);
    expect(error.message).toMatch(
      /^s3:\/\/no-such-bucket\/AWSLogs\/a\.json\.gz: GetObject failed: NoSuchBucket \(HTTP 404\): /,
    );
  });
});

describe('openS3Object with a stubbed S3 client (no local server refuses access or fails KMS)', () => {
  it('treats a 404 that names no error code as a file gone', async () => {
    const s3 = refusingS3(s3Error('NotFound', 404, 'UnknownError'));

    const error = await errorOf(openS3Object(s3, BUCKET, 'AWSLogs/a.json.gz'));

    expect(error).toBeInstanceOf(LogFileGoneError);
  });

  it.each([
    ['AccessDenied', 403, 'Access Denied'],
    [
      'KMS.DisabledException',
      400,
      'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab is disabled.',
    ],
    ['KMSAccessDeniedException', 400, 'User is not authorized to perform: kms:Decrypt'],
  ])(
    'fails with the file, the S3 error code %s and its message when GetObject is refused',
    async (name, status, message) => {
      const s3 = refusingS3(s3Error(name, status, message));

      const error = await errorOf(openS3Object(s3, BUCKET, 'AWSLogs/a.json.gz'));

      expect(error).toBeInstanceOf(LogFileError);
      expect(error).not.toBeInstanceOf(LogFileGoneError);
      expect(error.message).toBe(
        `s3://${BUCKET}/AWSLogs/a.json.gz: GetObject failed: ${name} (HTTP ${status}): ${message}`,
      );
      expect((error.cause as Error).name).toBe(name);
    },
  );
});
