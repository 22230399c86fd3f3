import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { clientSettingsFor } from '../cli/aws-endpoints';
import { startDynamoDbLocal } from '../cli/local/dynamodb-local-server';
import { ensureEventsTable } from '../cli/local/events-table';
import { startLocalS3 } from '../cli/local/s3rver-server';
import { createS3Client } from '../cli/s3-client';
import { ensureLargeRecordLogFile, ensureLogFile } from './log-generator';

const MB = 2 ** 20;
/** Messages in the measured batch: the queue's batch size. */
export const MEMORY_BATCH_FILES = 10;
const BUCKET = 'mltrail-memory-trail';

/** One case: the batch's files all hold this body. */
interface MemoryCase {
  readonly name: string;
  readonly description: string;
  /** Writes the body under `dataDir` if needed; returns its path. */
  prepare(dataDir: string): Promise<string>;
  /** What every file's report must say for the case to count. */
  readonly expected: {
    readonly records?: number;
    readonly mlEvents?: number;
    readonly malformedRecords?: number;
  };
}

/** The batches measured, each of {@link MEMORY_BATCH_FILES} files. */
export const MEMORY_CASES: readonly MemoryCase[] = [
  {
    name: 'baseline',
    description: 'small files (the handler, SDK clients and Node)',
    prepare: async (dataDir) => {
      const path = join(dataDir, 'small.json.gz');
      await ensureLogFile(path, 64 * 1024);
      return path;
    },
    expected: { malformedRecords: 0 },
  },
  {
    name: 'record-30mb-dropped',
    description: 'one 30 MB SageMaker record each (over the 16 MiB record limit: dropped)',
    prepare: async (dataDir) => {
      const path = join(dataDir, 'one-record-30mb.json.gz');
      ensureLargeRecordLogFile(path, 30 * MB, 'sagemaker.amazonaws.com');
      return path;
    },
    expected: { records: 1, mlEvents: 0, malformedRecords: 1 },
  },
  {
    name: 'record-15mb-kept',
    description: 'one 15 MB SageMaker record each (kept, payload truncated)',
    prepare: async (dataDir) => {
      const path = join(dataDir, 'one-record-15mb.json.gz');
      ensureLargeRecordLogFile(path, 15 * MB, 'sagemaker.amazonaws.com');
      return path;
    },
    expected: { records: 1, mlEvents: 1, malformedRecords: 0 },
  },
  {
    name: 'file-100mb',
    description: '100 MB (decompressed) of ordinary records each',
    prepare: async (dataDir) => {
      const path = join(dataDir, 'cloudtrail-100mb.json.gz');
      await ensureLogFile(path, 100 * MB);
      return path;
    },
    expected: { malformedRecords: 0 },
  },
];

/** What one case measured. */
export interface MemoryCaseResult {
  readonly name: string;
  readonly description: string;
  readonly compressedMb: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  /** Why the case does not count, when it does not (a failed file, unexpected counts). */
  readonly problem?: string;
}

interface CaseOutput {
  readonly failures: number;
  readonly files: readonly Record<string, unknown>[];
  readonly seconds: number;
  readonly peakRssMb: number;
}

function logKey(caseIndex: number, file: number): string {
  const id = `Memory${caseIndex}File${String(file).padStart(2, '0')}`;
  return `AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/123456789012_CloudTrail_us-east-1_20240602T2020Z_${id}.json.gz`;
}

function problemOf(output: CaseOutput, expected: MemoryCase['expected']): string | undefined {
  if (output.failures > 0) return `${output.failures} message(s) failed: ${JSON.stringify(output.files)}`;
  if (output.files.length !== MEMORY_BATCH_FILES) return `${output.files.length} file report(s)`;
  for (const file of output.files) {
    if (file.status !== 'ingested') return `a file was ${file.status}`;
    for (const [field, value] of Object.entries(expected)) {
      if (file[field] !== value) return `${field} ${String(file[field])}, expected ${value}`;
    }
    if (file.itemsWritten !== file.mlEvents) return `${file.itemsWritten} of ${file.mlEvents} items written`;
  }
  return undefined;
}

/**
 * Measures the peak RSS of the function's handler given one SQS batch of
 * {@link MEMORY_BATCH_FILES} log files, for each case, each in a child process; s3rver runs in
 * this process and DynamoDB Local in its own, so neither counts.
 */
export async function runHandlerMemoryCases(dataDir: string): Promise<MemoryCaseResult[]> {
  const dynamoDb = await startDynamoDbLocal();
  const s3Server = await startLocalS3({ buckets: [BUCKET] });
  const s3 = createS3Client({ ...clientSettingsFor(s3Server.endpoint), forcePathStyle: true });
  const dynamoDbClient = new DynamoDBClient(clientSettingsFor(dynamoDb.endpoint));
  const results: MemoryCaseResult[] = [];
  try {
    const tableName = 'mltrail-memory';
    await ensureEventsTable(dynamoDbClient, tableName);
    for (const [caseIndex, memoryCase] of MEMORY_CASES.entries()) {
      const path = await memoryCase.prepare(dataDir);
      const body = readFileSync(path);
      const keys = Array.from({ length: MEMORY_BATCH_FILES }, (_, file) => logKey(caseIndex, file));
      for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      // Asynchronously: s3rver, in this process, serves the child meanwhile.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          join(import.meta.dirname, 'handler-memory-case.ts'),
          memoryCase.name,
          s3Server.endpoint,
          dynamoDb.endpoint,
          tableName,
          BUCKET,
          String(body.length),
          ...keys,
        ],
        {
          encoding: 'utf8',
          maxBuffer: 16 * MB,
          env: { ...process.env, POWERTOOLS_METRICS_DISABLED: 'true' },
        },
      );
      const output = JSON.parse(stdout.trim().split('\n').at(-1) as string) as CaseOutput;
      results.push({
        name: memoryCase.name,
        description: memoryCase.description,
        compressedMb: body.length / MB,
        seconds: output.seconds,
        peakRssMb: output.peakRssMb,
        problem: problemOf(output, memoryCase.expected),
      });
    }
    return results;
  } finally {
    s3.destroy();
    dynamoDbClient.destroy();
    await s3Server.stop();
    await dynamoDb.stop();
  }
}
