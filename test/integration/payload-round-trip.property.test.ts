import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_PARTITION_KEY } from '../../contract/table-schema';
import { DynamoDbEventWriter } from '../../lambda/adapters/dynamodb-event-writer';
import { ingestLogFile } from '../../lambda/core/ingest-log-file';
import { DEFAULT_SERVICE_CATALOGUE } from '../../lambda/core/service-catalogue';
import {
  decimalValue,
  decodeExactJson,
  ExactDecimal,
  type ExactValue,
  findDifference,
} from '../support/exact-json';
import { chunked, gzippedLogFile, makeRecord } from '../support/factories';
import {
  type JsonTree,
  jsonKey,
  jsonTree,
  nestedTree,
  WritingChoices,
  writeJson,
} from '../support/json-text';
import { createTestTable, localDynamoDb } from '../support/local-aws';
import { propertyParameters } from '../support/property-runs';

const LOG_FILE = 's3://trail-bucket/AWSLogs/123456789012/CloudTrail/us-east-1/2024/06/02/f.json.gz';
const PAYLOADS = ['requestParameters', 'responseElements'] as const;
// DynamoDB's documented limits: 38 significant digits, magnitudes 1E-130 to below 1E+126.
const MAX_NUMBER_DIGITS = 38;
const MAX_NUMBER_EXPONENT = 125;
const MIN_NUMBER_EXPONENT = -130;
// What the item contract documents: maps and lists are kept down to 29 levels under the item
// (DynamoDB's limit is 32), a changed path is at most 256 bytes, a payload lists at most 12.
const MAX_MAP_SEGMENTS = 29;
const MAX_CHANGED_PATH_BYTES = 256;
const MAX_PAYLOAD_CHANGED_PATHS = 12;

/** Keys whose JSON Pointer alone nears or passes what changedPaths lists of a path. */
const longKey = fc
  .tuple(fc.integer({ min: 200, max: 300 }), fc.string({ unit: 'binary-ascii', maxLength: 8 }))
  .map(([length, tail]) => `${'k'.repeat(length)}${tail}`);

/** Values DynamoDB cannot hold as logged. */
const unstorableLeaf: fc.Arbitrary<JsonTree> = fc.oneof(
  fc
    .constantFrom('-0', '1e308', '1e-400', '123456789012345678901234567890123456789')
    .map((number): JsonTree => ({ number })),
  fc.constantFrom('\ud800', 'x\udfff').map((string): JsonTree => ({ string })),
  fc.constant<JsonTree>({ members: [['', null]] }),
);

/** A payload: mostly maps of any keys and values, some nested past DynamoDB's 32 levels, some scalars. */
const payloadTree: fc.Arbitrary<JsonTree> = fc.oneof(
  {
    arbitrary: fc
      .array(fc.tuple(jsonKey, jsonTree({ maxDepth: 4 })), { maxLength: 6 })
      .map((members): JsonTree => ({ members })),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(
        fc.integer({ min: 24, max: 40 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        jsonTree({ maxDepth: 1 }),
      )
      .map(([levels, kinds, leaf]): JsonTree => ({ members: [['deep', nestedTree(levels, kinds, leaf)]] })),
    weight: 1,
  },
  {
    arbitrary: fc
      .array(fc.tuple(fc.oneof(jsonKey, longKey), unstorableLeaf), {
        minLength: 1,
        maxLength: 40,
        size: 'max',
      })
      .map((members): JsonTree => ({ members: [['values', { members }]] })),
    weight: 1,
  },
  { arbitrary: jsonTree({ maxDepth: 2 }), weight: 1 },
);

const payloadRecords = fc.array(
  fc.record({
    requestParameters: payloadTree,
    responseElements: payloadTree,
    writing: fc.array(fc.nat({ max: 1_000 }), { maxLength: 16 }),
  }),
  { minLength: 30, maxLength: 50 },
);

/** The record as raw JSON text, its payloads written as generated. */
function recordText(eventId: string, payloads: Record<(typeof PAYLOADS)[number], string>): string {
  return JSON.stringify(
    makeRecord({ eventID: eventId, requestParameters: '@request@', responseElements: '@response@' }),
  )
    .replace('"@request@"', () => payloads.requestParameters)
    .replace('"@response@"', () => payloads.responseElements);
}

function childPath(path: string, key: string | number): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** What DynamoDB stored, decoded: values at changed paths are read back from their JSON text. */
function restore(value: AttributeValue, path: string, changed: ReadonlySet<string>): ExactValue {
  if (changed.has(path)) {
    expect(value.S, `${path} is changed, so stored as its JSON text`).toBeTypeOf('string');
    return decodeExactJson(value.S as string);
  }
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return new ExactDecimal(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined)
    return value.L.map((element, index) => restore(element, childPath(path, index), changed));
  if (value.M !== undefined) {
    const map = value.M;
    const object: Record<string, ExactValue> = Object.create(null);
    for (const key of Object.keys(map)) {
      object[key] = restore(map[key] as AttributeValue, childPath(path, key), changed);
    }
    return object;
  }
  throw new Error(`${path}: an attribute value of no known type: ${JSON.stringify(value)}`);
}

function isStorableNumber(text: string): boolean {
  const value = decimalValue(text);
  if (value === '-0') return false;
  if (value === '0') return true;
  const [digits = '', power = '0'] = value.replace(/^-/, '').split('e');
  const exponent = Number(power) + digits.length - 1;
  return (
    digits.length <= MAX_NUMBER_DIGITS && exponent <= MAX_NUMBER_EXPONENT && exponent >= MIN_NUMBER_EXPONENT
  );
}

/** Whether DynamoDB can hold this value as logged, leaving aside what it holds. */
function isStorableAsLogged(value: ExactValue, pointer: string): boolean {
  if (value instanceof ExactDecimal) return isStorableNumber(value.text);
  if (typeof value === 'string') return value.isWellFormed();
  if (typeof value !== 'object' || value === null) return true;
  if (pointer.split('/').length - 1 > MAX_MAP_SEGMENTS) return false;
  return Array.isArray(value) || Object.keys(value).every((key) => key !== '' && key.isWellFormed());
}

/**
 * The paths a payload must list in changedPaths, by the rules the item contract documents: each
 * value DynamoDB cannot hold; the deepest map or list whose path fits when a value's path is too
 * long; the payload itself when it has too many.
 */
function expectedChangedPaths(payload: ExactValue, pointer: string): string[] {
  const collect = (value: ExactValue, at: string): string[] => {
    if (!isStorableAsLogged(value, at)) return [at];
    if (typeof value !== 'object' || value === null || value instanceof ExactDecimal) return [];
    const paths = Array.isArray(value)
      ? value.flatMap((element, index) => collect(element, childPath(at, index)))
      : Object.keys(value).flatMap((key) =>
          collect((value as Record<string, ExactValue>)[key] as ExactValue, childPath(at, key)),
        );
    return paths.some((path) => Buffer.byteLength(path) > MAX_CHANGED_PATH_BYTES) ? [at] : paths;
  };
  const paths = collect(payload, pointer);
  return paths.length > MAX_PAYLOAD_CHANGED_PATHS ? [pointer] : paths;
}

/** The stored items of some eventIDs, read by the table's key. */
async function readItems(
  tableName: string,
  eventIDs: readonly string[],
): Promise<Record<string, AttributeValue>[]> {
  const { client } = localDynamoDb();
  const items: Record<string, AttributeValue>[] = [];
  for (let start = 0; start < eventIDs.length; start += 100) {
    let keys: Record<string, AttributeValue>[] | undefined = eventIDs
      .slice(start, start + 100)
      .map((eventID) => ({ [TABLE_PARTITION_KEY.name]: { S: eventID } }));
    while (keys !== undefined && keys.length > 0) {
      const page: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      items.push(...(page.Responses?.[tableName] ?? []));
      keys = page.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}

describe('payloads through the real writer into DynamoDB Local, for any payload', () => {
  const { client, documents } = localDynamoDb();
  let tableName: string;
  let run = 0;

  beforeAll(async () => {
    tableName = await createTestTable(client, 'round-trip');
  });

  it('stores every payload exactly as logged, numbers and keys included, or as JSON text at a changed path where DynamoDB cannot hold it', async () => {
    await fc.assert(
      fc.asyncProperty(payloadRecords, async (generated) => {
        run += 1;
        const records = generated.map(({ writing, ...payloads }, index) => {
          const choices = new WritingChoices(writing);
          return {
            eventId: `run-${run}-${index}`,
            requestParameters: writeJson(payloads.requestParameters, choices),
            responseElements: writeJson(payloads.responseElements, choices),
          };
        });
        const writer = new DynamoDbEventWriter(documents, tableName);

        const summary = await ingestLogFile(
          {
            body: chunked(gzippedLogFile(records.map((record) => recordText(record.eventId, record)))),
            logFile: LOG_FILE,
          },
          DEFAULT_SERVICE_CATALOGUE,
          writer,
        );
        const written = await writer.flush();

        expect(summary).toMatchObject({
          records: records.length,
          mlEvents: records.length,
          malformedRecords: 0,
        });
        expect(written.itemsWritten).toBe(records.length);
        const stored = new Map(
          (
            await readItems(
              tableName,
              records.map((record) => record.eventId),
            )
          ).map((item) => [item.eventID?.S, item]),
        );
        expect(stored.size).toBe(records.length);
        for (const record of records) {
          const item = stored.get(record.eventId) as Record<string, AttributeValue>;
          const changed = new Set((item.changedPaths?.L ?? []).map((path) => path.S as string));
          for (const name of PAYLOADS) {
            const logged = decodeExactJson(record[name]);
            const attribute = item[name];
            expect(item[`${name}Truncated`], `${record.eventId} ${name} truncated`).toBeUndefined();
            if (logged === null) {
              expect(attribute, `${record.eventId}: null ${name} is left out`).toBeUndefined();
              continue;
            }
            const restored = restore(attribute as AttributeValue, `/${name}`, changed);
            expect(findDifference(restored, logged), `${record.eventId}: ${record[name]}`).toBeUndefined();
          }
          const expected = PAYLOADS.flatMap((name) => {
            const logged = decodeExactJson(record[name]);
            return logged === null ? [] : expectedChangedPaths(logged, `/${name}`);
          });
          expect(
            [...changed].sort(),
            `${record.eventId}: changedPaths of ${record.requestParameters} and ${record.responseElements}`,
          ).toEqual(expected.sort());
        }
      }),
      propertyParameters(4),
    );
  });
});
