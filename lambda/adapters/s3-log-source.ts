import { LogFileError, LogFileGoneError } from '../core/errors';

/** The body of an S3 object as a byte stream, and its size. */
export interface S3ObjectBody {
  readonly body: AsyncIterable<Uint8Array> & { destroy?: () => void };
  readonly contentLength?: number;
}

/** One GetObject request, in S3's words. */
export interface GetObjectInput {
  readonly Bucket: string;
  readonly Key: string;
  readonly ExpectedBucketOwner?: string;
}

/**
 * What opens an S3 object: the function's own signed GetObject (S3GetObjectClient), or the SDK's
 * S3 client behind an adapter (the CLI). A refusal is thrown as the SDK throws it: S3's error code
 * as `name`, the HTTP status as `$metadata.httpStatusCode`.
 */
export interface S3ObjectReader {
  getObject(input: GetObjectInput): Promise<S3ObjectBody>;
}

interface ServiceErrorFields {
  readonly name?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as ServiceErrorFields | undefined)?.$metadata?.httpStatusCode;
}

// A 404 whose body names no error code (some S3-compatible servers) still means the key is not
// there; a missing bucket is a setup fault to report, not a file to acknowledge.
function isMissingObject(error: unknown): boolean {
  const name = (error as ServiceErrorFields | undefined)?.name;
  return name === 'NoSuchKey' || (httpStatusOf(error) === 404 && name !== 'NoSuchBucket');
}

function describeS3Error(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = httpStatusOf(error);
  return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`;
}

/**
 * Opens an object for streaming; nothing is buffered. Throws LogFileGoneError when the object does
 * not exist, and LogFileError naming the S3 error code (AccessDenied, KMS.DisabledException...)
 * when GetObject is refused. With `expectedBucketOwner`, S3 refuses the read (403) when another
 * account owns the bucket, so a bucket deleted and re-created elsewhere under the same name is not read.
 */
export async function openS3Object(
  s3: S3ObjectReader,
  bucket: string,
  key: string,
  expectedBucketOwner?: string,
): Promise<S3ObjectBody> {
  const logFile = `s3://${bucket}/${key}`;
  return s3
    .getObject({ Bucket: bucket, Key: key, ExpectedBucketOwner: expectedBucketOwner })
    .catch((error) => {
      if (isMissingObject(error)) throw new LogFileGoneError(logFile, { cause: error });
      throw new LogFileError(logFile, `GetObject failed: ${describeS3Error(error)}`, { cause: error });
    });
}
