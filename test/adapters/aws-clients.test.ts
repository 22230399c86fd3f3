import { createServer, type Server, type Socket } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../cli/s3-client';
import {
  createDynamoDbClient,
  createS3ObjectReader,
  DYNAMODB_REQUEST_TIMEOUT_MS,
  S3_REQUEST_TIMEOUT_MS,
} from '../../lambda/adapters/aws-clients';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

// What a frozen store looks like from the client: the kernel accepts the connection, nothing answers.
describe('SDK clients against a loopback server that accepts connections and never answers', () => {
  let server: Server;
  let endpoint: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('end a request with TimeoutError after their request timeout, on one attempt each', async () => {
    const dynamodb = createDynamoDbClient({ endpoint, region: 'us-east-1', credentials });
    // One attempt, to see the timeout of one request rather than the retries.
    const s3Settings = { endpoint, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 };
    const s3 = createS3ObjectReader(s3Settings);
    const cliS3 = createS3Client(s3Settings);

    const [dynamodbError, s3Error, cliS3Error] = await Promise.all([
      dynamodb.send(new ListTablesCommand({})).catch((error: unknown) => error),
      s3.getObject({ Bucket: 'trail', Key: 'AWSLogs/x.json.gz' }).catch((error: unknown) => error),
      cliS3
        .send(new GetObjectCommand({ Bucket: 'trail', Key: 'AWSLogs/x.json.gz' }))
        .catch((error: unknown) => error),
    ]);

    expect(dynamodbError).toMatchObject({
      name: 'TimeoutError',
      message: expect.stringContaining(`configured ${DYNAMODB_REQUEST_TIMEOUT_MS} ms requestTimeout`),
      $metadata: { attempts: 1 },
    });
    for (const error of [s3Error, cliS3Error]) {
      expect(error).toMatchObject({
        name: 'TimeoutError',
        message: expect.stringContaining(`configured ${S3_REQUEST_TIMEOUT_MS} ms requestTimeout`),
        $metadata: { attempts: 1 },
      });
    }
    dynamodb.destroy();
    s3.destroy();
    cliS3.destroy();
  });
});
