import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { READ_MAX_ATTEMPTS, S3_REQUEST_HANDLER } from '../lambda/adapters/aws-clients';
import type { S3ObjectReader } from '../lambda/adapters/s3-log-source';

/**
 * An S3 client with connection, response and idle timeouts, for what the CLI does beyond reading
 * one object (listing, uploads, following a bucket to its Region). Checksums only when required:
 * the same client then works against local S3-compatible servers, and GetObject never buffers a
 * whole body to validate it.
 */
export function createS3Client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    maxAttempts: READ_MAX_ATTEMPTS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: S3_REQUEST_HANDLER,
    ...config,
  });
}

/** Reads objects through an SDK S3 client (its Region redirects included), for `openS3Object`. */
export function s3ClientObjectReader(s3: Pick<S3Client, 'send'>): S3ObjectReader {
  return {
    async getObject(input) {
      const response = await s3.send(new GetObjectCommand(input));
      if (!response.Body) throw new Error(`GetObject returned no body for s3://${input.Bucket}/${input.Key}`);
      return { body: response.Body as Readable, contentLength: response.ContentLength };
    },
  };
}
