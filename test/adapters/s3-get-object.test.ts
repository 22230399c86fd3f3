import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  S3Client,
  type S3ClientConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { HttpResponse } from '@smithy/core/protocols';
import type { FinalizeRequestMiddleware, HttpRequest } from '@smithy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3ObjectReader } from '../../lambda/adapters/aws-clients';
import { S3GetObjectClient, S3ResponseError } from '../../lambda/adapters/s3-get-object';
import { openS3Object } from '../../lambda/adapters/s3-log-source';
import { LogFileError, LogFileGoneError } from '../../lambda/core/errors';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'secret/EXAMPLE+key',
  sessionToken: 'TOKEN',
};
const SIGNING_TIME = new Date('2024-06-02T20:20:00Z');

/** Keeps every request it is handed and answers 200 with an empty body: no network. */
function capturingHandler() {
  const requests: HttpRequest[] = [];
  return {
    requests,
    handle: async (request: HttpRequest) => {
      requests.push(request);
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: { 'content-length': '0' },
          body: Readable.from([]),
        }),
      };
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
    destroy: () => {},
  };
}

interface AddressCase {
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly useFipsEndpoint?: boolean;
  readonly useDualstackEndpoint?: boolean;
}

// The SDK's own telemetry headers are signed too; without them both requests must be identical.
const dropSdkHeaders: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
  (next) => async (args) => {
    const { headers } = args.request as HttpRequest;
    for (const name of ['x-amz-user-agent', 'user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request']) {
      delete headers[name];
    }
    return next(args);
  };

/** What the SDK's S3 client sends for the case, without the headers only the SDK sends. */
async function sdkRequestOf(
  { region, bucket, key, endpoint, forcePathStyle, useFipsEndpoint, useDualstackEndpoint }: AddressCase,
  credentials: S3ClientConfig['credentials'],
  expectedBucketOwner?: string,
): Promise<HttpRequest> {
  const handler = capturingHandler();
  const s3 = new S3Client({
    region,
    credentials,
    endpoint,
    forcePathStyle,
    useFipsEndpoint,
    useDualstackEndpoint,
    requestHandler: handler as unknown as S3ClientConfig['requestHandler'],
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // The SDK's own telemetry headers are signed too; without them both requests must be identical.
  s3.middlewareStack.addRelativeTo(dropSdkHeaders, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name: 'dropSdkHeaders',
  });
  await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: expectedBucketOwner }));
  return handler.requests[0] as HttpRequest;
}

async function clientRequestOf(
  { region, bucket, key, endpoint, forcePathStyle, useFipsEndpoint, useDualstackEndpoint }: AddressCase,
  credentials: S3ClientConfig['credentials'],
  expectedBucketOwner?: string,
): Promise<HttpRequest> {
  const handler = capturingHandler();
  const client = new S3GetObjectClient({
    region,
    credentials: credentials as typeof CREDENTIALS,
    endpoint,
    forcePathStyle,
    useFipsEndpoint,
    useDualstackEndpoint,
    requestHandler: handler as never,
  });
  await client.getObject({ Bucket: bucket, Key: key, ExpectedBucketOwner: expectedBucketOwner });
  return handler.requests[0] as HttpRequest;
}

function sent(request: HttpRequest) {
  const { protocol, hostname, port, path, query, headers, method } = request;
  return { method, protocol, hostname, port, path, query, headers };
}

describe('S3GetObjectClient signs and addresses GetObject as @aws-sdk/client-s3 does (fixed clock)', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(SIGNING_TIME);
  });

  afterAll(() => {
    vi.useRealTimers();
  });

  const cases: [string, AddressCase][] = [
    ['a bucket in us-east-1', { region: 'us-east-1', bucket: 'trail-bucket', key: 'AWSLogs/a.json.gz' }],
    ['a bucket in eu-west-1', { region: 'eu-west-1', bucket: 'trail-bucket', key: 'AWSLogs/a.json.gz' }],
    ['the China partition', { region: 'cn-north-1', bucket: 'trail-bucket', key: 'k' }],
    ['GovCloud', { region: 'us-gov-west-1', bucket: 'trail-bucket', key: 'k' }],
    ['an ISO partition', { region: 'us-iso-east-1', bucket: 'trail-bucket', key: 'k' }],
    [
      'a dotted bucket over https (path style)',
      { region: 'eu-west-1', bucket: 'trail.logs.example', key: 'k' },
    ],
    ['a bucket name that is no host label', { region: 'eu-west-1', bucket: 'Trail_Bucket', key: 'k' }],
    ['forcePathStyle', { region: 'eu-west-1', bucket: 'trail-bucket', key: 'k', forcePathStyle: true }],
    [
      'a loopback endpoint with forcePathStyle (s3rver)',
      {
        region: 'us-east-1',
        bucket: 'trail-bucket',
        key: 'a b/c',
        endpoint: 'http://127.0.0.1:4568',
        forcePathStyle: true,
      },
    ],
    [
      'an endpoint with a base path',
      {
        region: 'us-east-1',
        bucket: 'trail-bucket',
        key: 'x',
        endpoint: 'http://127.0.0.1:4568/base/',
        forcePathStyle: true,
      },
    ],
    [
      'an IP endpoint (path style)',
      { region: 'us-east-1', bucket: 'trail-bucket', key: 'k', endpoint: 'http://127.0.0.1:4568' },
    ],
    [
      'an http endpoint with a dotted bucket (virtual host)',
      { region: 'us-east-1', bucket: 'trail.bucket', key: 'k', endpoint: 'http://localhost:4568' },
    ],
    [
      'an https endpoint with a dotted bucket (path style)',
      { region: 'us-east-1', bucket: 'trail.bucket', key: 'k', endpoint: 'https://s3.example.com' },
    ],
    [
      'a key with spaces, plus signs and unicode',
      { region: 'us-east-1', bucket: 'trail-bucket', key: 'audit logs+2024/prüfung/日本語/😀 a+b.json.gz' },
    ],
    [
      'a key with every reserved character',
      { region: 'us-east-1', bucket: 'trail-bucket', key: "AWSLogs/~*!'()&$=;:@,?#[]%41%2B.json" },
    ],
    [
      'a key with empty and dot segments',
      { region: 'eu-west-1', bucket: 'trail-bucket', key: '/lead//double/./../x' },
    ],
    ['FIPS', { region: 'us-gov-west-1', bucket: 'trail-bucket', key: 'k', useFipsEndpoint: true }],
    ['dual-stack', { region: 'cn-north-1', bucket: 'trail-bucket', key: 'k', useDualstackEndpoint: true }],
    [
      'FIPS and dual-stack, a dotted bucket',
      {
        region: 'us-east-1',
        bucket: 'trail.dots',
        key: 'k',
        useFipsEndpoint: true,
        useDualstackEndpoint: true,
      },
    ],
  ];

  it.each(cases)('%s', async (_name, addressCase) => {
    const expected = await sdkRequestOf(addressCase, CREDENTIALS, '111122223333');

    const actual = await clientRequestOf(addressCase, CREDENTIALS, '111122223333');

    expect(sent(actual)).toEqual(sent(expected));
  });

  it('without a session token or an expected bucket owner', async () => {
    const addressCase = { region: 'eu-west-1', bucket: 'trail-bucket', key: 'AWSLogs/a.json.gz' };
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const expected = await sdkRequestOf(addressCase, credentials);

    const actual = await clientRequestOf(addressCase, credentials);

    expect(sent(actual)).toEqual(sent(expected));
    expect(actual.headers).not.toHaveProperty('x-amz-security-token');
    expect(actual.headers).not.toHaveProperty('x-amz-expected-bucket-owner');
  });
});

describe('S3GetObjectClient against the SigV4 example of the S3 documentation', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // "Example: GET Object" of "Signature Calculations for the Authorization Header: Transferring
  // Payload in a Single Chunk" (Amazon S3 API Reference): its signature, for its request.
  it('signs GET /test.txt of examplebucket with the documented signature', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2013-05-24T00:00:00Z'));
    const handler = capturingHandler();
    const client = new S3GetObjectClient({
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      endpoint: 'https://s3.amazonaws.com',
      requestHandler: handler as never,
    });
    // The example reads a range and names no operation in the query; the rest is this client's.
    const request = client.requestOf({ Bucket: 'examplebucket', Key: 'test.txt' });
    request.query = {};
    request.headers.range = 'bytes=0-9';

    const signed = await client.signed(request);

    expect(signed.headers.host).toBe('examplebucket.s3.amazonaws.com');
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});

type Answer = (request: IncomingMessage, response: ServerResponse, index: number) => void;

// s3rver never throttles, fails or drops a connection: a loopback server stands in for S3 here.
describe('S3GetObjectClient against a loopback server that answers as S3 does when it refuses or fails', () => {
  let server: Server;
  let endpoint: string;
  let answers: Answer[] = [];
  const seen: IncomingMessage[] = [];

  function answerWith(...next: Answer[]) {
    answers = next;
    seen.length = 0;
  }

  const xmlError =
    (status: number, code: string, message: string): Answer =>
    (_request, response) => {
      response.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': `req-${code}` });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
          '<RequestId>body-id</RequestId><HostId>host</HostId></Error>',
      );
    };
  const ok =
    (body: string): Answer =>
    (_request, response) => {
      response.writeHead(200, { 'content-length': String(Buffer.byteLength(body)) });
      response.end(body);
    };
  const dropConnection: Answer = (request) => request.socket.destroy();

  function client(maxAttempts = 3): S3GetObjectClient {
    return createS3ObjectReader({
      endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      forcePathStyle: true,
      maxAttempts,
    });
  }

  async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      const answer = answers[seen.length - 1] ?? answers[answers.length - 1];
      answer?.(request, response, seen.length - 1);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('retries a 500 and a 503 SlowDown, then streams the body of the third attempt', async () => {
    answerWith(
      xmlError(500, 'InternalError', 'We encountered an internal error. Please try again.'),
      xmlError(503, 'SlowDown', 'Please reduce your request rate.'),
      ok('{"Records":[]}'),
    );
    const s3 = client();

    const opened = await s3.getObject({ Bucket: 'trail', Key: 'AWSLogs/a.json.gz' });

    expect(await text(opened.body)).toBe('{"Records":[]}');
    expect(opened.contentLength).toBe(14);
    expect(seen).toHaveLength(3);
    s3.destroy();
  });

  it('retries a connection dropped before the response headers', async () => {
    answerWith(dropConnection, ok('body'));
    const s3 = client();

    const opened = await s3.getObject({ Bucket: 'trail', Key: 'k' });

    expect(await text(opened.body)).toBe('body');
    expect(seen).toHaveLength(2);
    s3.destroy();
  });

  it('gives up after three attempts with the last error, its code, status and attempts', async () => {
    answerWith(xmlError(500, 'InternalError', 'We encountered an internal error. Please try again.'));
    const s3 = client();

    const error = await openS3Object(s3, 'trail', 'AWSLogs/a.json.gz').catch((caught: Error) => caught);

    expect(error).toBeInstanceOf(LogFileError);
    expect((error as Error).message).toBe(
      's3://trail/AWSLogs/a.json.gz: GetObject failed: InternalError (HTTP 500): We encountered an internal error. Please try again.',
    );
    expect((error as Error).cause).toMatchObject({
      name: 'InternalError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, requestId: 'req-InternalError', attempts: 3 },
    });
    expect(seen).toHaveLength(3);
    s3.destroy();
  });

  it('does not retry a refusal, and reads its code and message with XML entities decoded', async () => {
    answerWith(xmlError(403, 'AccessDenied', 'Access &lt;Denied&gt; &amp; &#x27;logged&#39;'));
    const s3 = client();

    const error = await s3.getObject({ Bucket: 'trail', Key: 'k' }).catch((caught: Error) => caught);

    expect(error).toBeInstanceOf(S3ResponseError);
    expect(error).toMatchObject({
      name: 'AccessDenied',
      message: "Access <Denied> & 'logged'",
      $fault: 'client',
      $metadata: { httpStatusCode: 403, attempts: 1 },
    });
    expect(seen).toHaveLength(1);
    s3.destroy();
  });

  it('leaves the response out of the error a logger prints', async () => {
    answerWith(xmlError(403, 'AccessDenied', 'Access Denied'));
    const s3 = client(1);

    const error = (await s3
      .getObject({ Bucket: 'trail', Key: 'k' })
      .catch((caught: Error) => caught)) as S3ResponseError;

    expect(Object.keys(error)).not.toContain('$response');
    expect(error.$response.statusCode).toBe(403);
    s3.destroy();
  });

  it.each([
    ['a 404 NoSuchKey', xmlError(404, 'NoSuchKey', 'The specified key does not exist.'), LogFileGoneError],
    [
      'a 404 without a body',
      ((_request, response) => {
        response.writeHead(404);
        response.end();
      }) as Answer,
      LogFileGoneError,
    ],
    [
      'a 404 NoSuchBucket',
      xmlError(404, 'NoSuchBucket', 'The specified bucket does not exist'),
      LogFileError,
    ],
  ])('opens to %s the error openS3Object expects', async (_name, answer, errorClass) => {
    answerWith(answer);
    const s3 = client();

    const error = await openS3Object(s3, 'trail', 'k').catch((caught: Error) => caught);

    expect(error).toBeInstanceOf(errorClass);
    if (errorClass === LogFileError) expect(error).not.toBeInstanceOf(LogFileGoneError);
    expect(seen).toHaveLength(1);
    s3.destroy();
  });

  it('names a 404 without a code NotFound, as the SDK does', async () => {
    answerWith((_request, response) => {
      response.writeHead(404);
      response.end();
    });
    const s3 = client();

    const error = await s3.getObject({ Bucket: 'trail', Key: 'k' }).catch((caught: Error) => caught);

    expect(error).toMatchObject({
      name: 'NotFound',
      message: 'UnknownError',
      $metadata: { httpStatusCode: 404 },
    });
    s3.destroy();
  });

  it('hands the body on while the server still holds the rest of it: nothing is buffered', async () => {
    let finish: (() => void) | undefined;
    answerWith((_request, response) => {
      response.writeHead(200, { 'content-length': '10' });
      response.write('first');
      finish = () => response.end('-last');
    });
    const s3 = client();

    const opened = await s3.getObject({ Bucket: 'trail', Key: 'k' });
    const iterator = opened.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    finish?.();
    const rest: Buffer[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      rest.push(Buffer.from(next.value));

    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('first');
    expect(Buffer.concat(rest).toString()).toBe('-last');
    s3.destroy();
  });

  it('does not retry once the body has started: a connection lost mid-body fails the read', async () => {
    answerWith((request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial', () => request.socket.destroy());
    });
    const s3 = client();

    const opened = await s3.getObject({ Bucket: 'trail', Key: 'k' });

    await expect(text(opened.body)).rejects.toThrow();
    expect(seen).toHaveLength(1);
    s3.destroy();
  });

  it('sends the expected bucket owner and the session token, and signs for the Region of AWS_REGION with the credentials of the environment', async () => {
    answerWith(ok(''));
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-from-env');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session-token-from-env');
    const s3 = createS3ObjectReader({ endpoint, forcePathStyle: true });

    await s3.getObject({
      Bucket: 'trail',
      Key: 'AWSLogs/a b+c.json.gz',
      ExpectedBucketOwner: '111122223333',
    });

    const headers = seen[0]?.headers ?? {};
    expect(seen[0]?.url).toBe('/trail/AWSLogs/a%20b%2Bc.json.gz?x-id=GetObject');
    expect(headers['x-amz-expected-bucket-owner']).toBe('111122223333');
    expect(headers['x-amz-security-token']).toBe('session-token-from-env');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDFROMENV\/\d{8}\/eu-central-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-expected-bucket-owner;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    s3.destroy();
  });

  it('sends to the endpoint of AWS_ENDPOINT_URL_S3, as an SDK client does (LocalStack sets it)', async () => {
    answerWith(ok('from the configured endpoint'));
    vi.stubEnv('AWS_ENDPOINT_URL_S3', endpoint);
    const s3 = createS3ObjectReader({ region: 'us-east-1', credentials: CREDENTIALS, forcePathStyle: true });

    const opened = await s3.getObject({ Bucket: 'trail', Key: 'k' });

    expect(await text(opened.body)).toBe('from the configured endpoint');
    s3.destroy();
  });

  it.each([
    ['AWS_USE_FIPS_ENDPOINT', 'trail.s3-fips.us-east-1.amazonaws.com'],
    ['AWS_USE_DUALSTACK_ENDPOINT', 'trail.s3.dualstack.us-east-1.amazonaws.com'],
  ])('addresses the endpoint %s asks for', (variable, host) => {
    vi.stubEnv(variable, 'true');
    vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
    vi.stubEnv('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'true');
    const s3 = createS3ObjectReader({ region: 'us-east-1', credentials: CREDENTIALS });

    expect(s3.requestOf({ Bucket: 'trail', Key: 'k' }).headers.host).toBe(host);
  });

  it('refuses a custom endpoint with FIPS, as the SDK does', () => {
    vi.stubEnv('AWS_USE_FIPS_ENDPOINT', 'true');

    expect(() => createS3ObjectReader({ endpoint, region: 'us-east-1' })).toThrow(
      'a custom S3 endpoint cannot be combined with FIPS or dual-stack',
    );
  });

  it('fails at once, naming the variable, without a Region', () => {
    vi.stubEnv('AWS_REGION', undefined);

    expect(() => createS3ObjectReader({ endpoint })).toThrow('AWS_REGION environment variable is not set');
  });
});
