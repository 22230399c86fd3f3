import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Share of records that belong to catalogued ML services, as in a busy mixed account. */
export const ML_EVENT_SHARE = 0.02;

const OTHER_SOURCES = [
  's3.amazonaws.com',
  'ec2.amazonaws.com',
  'sts.amazonaws.com',
  'kms.amazonaws.com',
  'lambda.amazonaws.com',
];
const ML_SOURCES = ['sagemaker.amazonaws.com', 'bedrock.amazonaws.com', 'comprehend.amazonaws.com'];

/** A deterministic pseudo-random sequence, so every run reads the same file. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function recordText(n: number, random: () => number): string {
  const isMl = random() < ML_EVENT_SHARE;
  const sources = isMl ? ML_SOURCES : OTHER_SOURCES;
  const eventSource = sources[Math.floor(random() * sources.length)] as string;
  const second = String(n % 60).padStart(2, '0');
  const minute = String(Math.floor(n / 60) % 60).padStart(2, '0');
  return JSON.stringify({
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE${n % 50}:session-${n % 7}`,
      arn: `arn:aws:sts::123456789012:assumed-role/Role${n % 50}/session-${n % 7}`,
      accountId: '123456789012',
      accessKeyId: `ASIAEXAMPLE${n % 1000}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROAEXAMPLE${n % 50}`,
          arn: `arn:aws:iam::123456789012:role/Role${n % 50}`,
          accountId: '123456789012',
          userName: `Role${n % 50}`,
        },
        attributes: { creationDate: '2024-06-02T19:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: `2024-06-02T20:${minute}:${second}Z`,
    eventSource,
    eventName: isMl ? 'InvokeModel' : 'GetObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: `198.51.100.${n % 250}`,
    userAgent:
      'aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.9 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE',
    requestParameters: {
      bucketName: `bucket-${n % 20}`,
      key: `data/part-${n}.parquet`,
      modelId: isMl ? 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku' : undefined,
      'x-amz-expected-bucket-owner': '123456789012',
    },
    responseElements: null,
    additionalEventData: {
      bytesTransferredIn: 0,
      bytesTransferredOut: 1024 + (n % 4096),
      'x-amz-id-2': 'EXAMPLE'.repeat(8),
    },
    requestID: `REQ${n.toString(16).padStart(12, '0')}`,
    eventID: `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
    readOnly: true,
    resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::bucket-${n % 20}/data/part-${n}.parquet` }],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '123456789012',
    eventCategory: 'Data',
  });
}

/** The text of a log file of about `bytes` bytes, produced piece by piece. */
export async function* logFileChunks(bytes: number, seed = 42): AsyncGenerator<string> {
  const random = seededRandom(seed);
  yield '{"Records":[';
  let written = 12;
  let n = 0;
  let batch: string[] = [];
  while (written < bytes) {
    const text = (n === 0 ? '' : ',') + recordText(n, random);
    batch.push(text);
    written += text.length;
    n += 1;
    if (batch.length === 1000) {
      yield batch.join('');
      batch = [];
    }
  }
  yield `${batch.join('')}]}`;
}

/** Writes a gzipped log of about `bytes` decompressed bytes to `path`, unless it is there already. */
export async function ensureLogFile(path: string, bytes: number): Promise<void> {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  await pipeline(Readable.from(logFileChunks(bytes)), createGzip({ level: 6 }), createWriteStream(partial));
  renameSync(partial, path);
}
