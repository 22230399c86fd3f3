import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The body of an S3 object as a byte stream, and its size. */
export interface S3ObjectBody {
  readonly body: AsyncIterable<Uint8Array> & { destroy?: () => void };
  readonly contentLength?: number;
}

/** Opens an object for streaming; nothing is buffered. */
export async function openS3Object(s3: S3Client, bucket: string, key: string): Promise<S3ObjectBody> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`GetObject returned no body for s3://${bucket}/${key}`);
  return { body: response.Body as Readable, contentLength: response.ContentLength };
}
