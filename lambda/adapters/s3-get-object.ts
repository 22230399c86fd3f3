import type { Readable } from 'node:stream';
import { isIpAddress, isVirtualHostableS3Bucket, partition } from '@aws-sdk/core/client';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest, type HttpResponse } from '@smithy/core/protocols';
import {
  getRetryAfterHint,
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryErrorType } from '@smithy/types';
import type { GetObjectInput, S3ObjectBody, S3ObjectReader } from './s3-log-source';

/** Bytes of an error response read for its code and message; S3's are well under 1 KB. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** What sends a signed request: `NodeHttpHandler`, or a stand-in in tests. */
export type GetObjectHttpHandler = Pick<NodeHttpHandler, 'handle' | 'destroy'>;

/** Settings of {@link S3GetObjectClient}. */
export interface S3GetObjectClientConfig {
  /** Region of the bucket: the endpoint's and the signature's. */
  readonly region: string;
  /** Credentials, or a provider asked before each attempt. */
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Sends the requests (its timeouts bound each attempt). */
  readonly requestHandler: GetObjectHttpHandler;
  /**
   * An S3-compatible endpoint (a local server) instead of S3's own; not with FIPS or dual-stack.
   * @default - S3's regional endpoint, `https://s3.<region>.<the partition's DNS suffix>`
   */
  readonly endpoint?: string;
  /** S3's FIPS endpoint of the Region (`s3-fips.<region>...`). @default false */
  readonly useFipsEndpoint?: boolean;
  /** S3's dual-stack (IPv6) endpoint of the Region (`s3.dualstack.<region>...`). @default false */
  readonly useDualstackEndpoint?: boolean;
  /** Names the bucket in the path rather than in the host name. @default false */
  readonly forcePathStyle?: boolean;
  /** Attempts per GetObject, the first included. @default 3 */
  readonly maxAttempts?: number;
}

/** What the SDK's service exceptions carry besides `name`, for the same error handling. */
export interface S3ResponseMetadata {
  readonly httpStatusCode: number;
  readonly requestId?: string;
  readonly extendedRequestId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}

/**
 * S3 refused a request: `name` is S3's error code (`NoSuchKey`, `AccessDenied`...), shaped as the
 * SDK's service exceptions, so code that tells errors apart handles both.
 */
export class S3ResponseError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: S3ResponseMetadata;
  /** The response, for `Retry-After`; hidden, as the SDK hides it, so that a logged error leaves it out. */
  declare readonly $response: HttpResponse;

  constructor(code: string, message: string, metadata: S3ResponseMetadata, response: HttpResponse) {
    super(message);
    this.name = code;
    this.$fault = metadata.httpStatusCode < 500 ? 'client' : 'server';
    this.$metadata = metadata;
    Object.defineProperty(this, '$response', { value: response, enumerable: false });
  }
}

// S3 takes a key's bytes as they are: each segment is percent-encoded once (RFC 3986, as the SDK
// does), and the signature is computed over that path without encoding it again.
function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return XML_ENTITIES[name] ?? entity;
  });
}

// An S3 error body is `<Error><Code>..</Code><Message>..</Message>...</Error>`: no nesting, no
// attributes on these elements, so two patterns read it.
function xmlElementText(xml: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml);
  return match ? decodeXmlText(match[1] as string) : undefined;
}

async function readErrorBody(body: unknown): Promise<string> {
  if (!body || typeof (body as Readable)[Symbol.asyncIterator] !== 'function') return '';
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as Readable) {
    chunks.push(Buffer.from(chunk as Uint8Array));
    bytes += (chunk as Uint8Array).length;
    if (bytes >= MAX_ERROR_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headerOf(response: HttpResponse, name: string): string | undefined {
  return response.headers[name];
}

async function responseErrorOf(response: HttpResponse): Promise<S3ResponseError> {
  const xml = await readErrorBody(response.body);
  // The SDK's names for an error without a code: a 404 is NotFound (a HEAD, or a server that
  // sends no body), anything else Unknown.
  const code = xmlElementText(xml, 'Code') ?? (response.statusCode === 404 ? 'NotFound' : 'Unknown');
  const requestId = headerOf(response, 'x-amz-request-id') ?? xmlElementText(xml, 'RequestId');
  const extendedRequestId = headerOf(response, 'x-amz-id-2');
  return new S3ResponseError(
    code,
    xmlElementText(xml, 'Message') ?? 'UnknownError',
    { httpStatusCode: response.statusCode, requestId, extendedRequestId },
    response,
  );
}

// The SDK retry middleware's classification, so that the standard strategy retries exactly what
// the SDK would: throttling, 500/502/503/504, timeouts and connection errors.
type ClassifiedError = Parameters<typeof isThrottlingError>[0];

function retryErrorTypeOf(error: ClassifiedError): RetryErrorType {
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

function asError(error: unknown): ClassifiedError {
  return (error instanceof Error ? error : new Error(String(error))) as ClassifiedError;
}

// As the SDK's S3 endpoint rules, which refuse a custom endpoint with either variant.
function regionalEndpointOf(config: S3GetObjectClientConfig): string {
  const service = `s3${config.useFipsEndpoint ? '-fips' : ''}${config.useDualstackEndpoint ? '.dualstack' : ''}`;
  return `https://${service}.${config.region}.${partition(config.region).dnsSuffix}`;
}

/**
 * GetObject and nothing else, signed with SigV4: what the function needs of S3, without the S3
 * client's other operations, S3 Express sessions, flexible checksums and XML protocol. It
 * addresses, signs and retries as `@aws-sdk/client-s3` does; the body is handed on as a stream.
 */
export class S3GetObjectClient implements S3ObjectReader {
  private readonly signer: SignatureV4;
  private readonly retryStrategy: StandardRetryStrategy;
  private readonly endpoint: URL;

  constructor(private readonly config: S3GetObjectClientConfig) {
    if (config.endpoint !== undefined && (config.useFipsEndpoint || config.useDualstackEndpoint)) {
      throw new Error('a custom S3 endpoint cannot be combined with FIPS or dual-stack');
    }
    this.endpoint = new URL(config.endpoint ?? regionalEndpointOf(config));
    this.signer = new SignatureV4({
      credentials: config.credentials,
      region: config.region,
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: true,
    });
    this.retryStrategy = new StandardRetryStrategy(config.maxAttempts ?? 3);
  }

  /** The unsigned request of one GetObject: the object's URL and its headers. */
  requestOf(input: GetObjectInput): HttpRequest {
    const { endpoint } = this;
    // As the SDK's endpoint rules: a bucket name that is a valid host label goes in the host name
    // (over http a dotted one too: no certificate to match), unless the endpoint is an IP address.
    const virtualHosted =
      !this.config.forcePathStyle &&
      !isIpAddress(endpoint.hostname) &&
      isVirtualHostableS3Bucket(input.Bucket, endpoint.protocol === 'http:');
    const hostname = virtualHosted ? `${input.Bucket}.${endpoint.hostname}` : endpoint.hostname;
    const basePath = endpoint.pathname.replace(/\/+$/, '');
    const bucketPath = virtualHosted ? '' : `/${encodeKeyPath(input.Bucket)}`;
    const port = endpoint.port === '' ? undefined : Number(endpoint.port);
    return new HttpRequest({
      method: 'GET',
      protocol: endpoint.protocol,
      hostname,
      port,
      path: `${basePath}${bucketPath}/${encodeKeyPath(input.Key)}`,
      query: { 'x-id': 'GetObject' },
      headers: {
        host: port === undefined ? hostname : `${hostname}:${port}`,
        ...(input.ExpectedBucketOwner === undefined
          ? {}
          : { 'x-amz-expected-bucket-owner': input.ExpectedBucketOwner }),
      },
    });
  }

  /**
   * Opens the object: resolves once its response headers are in, with the body unread. Throws
   * S3ResponseError when S3 refuses, after the retries a throttle, a 5xx or a connection error
   * gets; once the body is handed on, nothing is retried.
   */
  async getObject(input: GetObjectInput): Promise<S3ObjectBody> {
    const request = this.requestOf(input);
    let token = await this.retryStrategy.acquireInitialRetryToken('s3');
    let totalRetryDelay = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await this.send(request);
        this.retryStrategy.recordSuccess(token);
        const contentLength = headerOf(response, 'content-length');
        return {
          body: response.body as Readable,
          contentLength: contentLength === undefined ? undefined : Number(contentLength),
        };
      } catch (caught) {
        const error = asError(caught);
        const retryAfterHint =
          error instanceof S3ResponseError ? getRetryAfterHint(error.$response) : undefined;
        // The strategy waits out the backoff before it hands the next token over.
        const waitStarted = Date.now();
        token = await this.retryStrategy
          .refreshRetryTokenForRetry(token, {
            errorType: retryErrorTypeOf(error),
            error,
            ...(retryAfterHint ? { retryAfterHint } : {}),
          })
          .catch(() => {
            // As the SDK's retry middleware: the error tells how many attempts it took.
            throw Object.assign(error, {
              $metadata: { ...error.$metadata, attempts: attempt, totalRetryDelay },
            });
          });
        totalRetryDelay += Date.now() - waitStarted;
      }
    }
  }

  /** Closes the handler's kept-alive connections. */
  destroy(): void {
    this.config.requestHandler.destroy();
  }

  /** The request signed (SigV4, now), as each attempt sends it. */
  async signed(request: HttpRequest): Promise<HttpRequest> {
    return (await this.signer.sign(request)) as HttpRequest;
  }

  private async send(request: HttpRequest): Promise<HttpResponse> {
    const { response } = await this.config.requestHandler.handle(await this.signed(request));
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    throw await responseErrorOf(response);
  }
}
