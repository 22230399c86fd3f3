import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient, createDynamoDbReadClient } from '../lambda/adapters/aws-clients';
import { type ClientSettings, clientSettingsFor, isLoopbackEndpoint, LOCAL_REGION } from './aws-endpoints';
import { ensureEventsTable, tableExists } from './local/events-table';
import {
  openLocalStore,
  STORE_IDLE_SECONDS_VARIABLE,
  storeDirOf,
  storeIdleSecondsOf,
} from './local/local-store';
import { UsageError } from './usage-error';

/** Table name of the embedded store and the default of `--table`. */
export const DEFAULT_TABLE_NAME = 'mltrail-events';

/** Folder of the embedded store, relative to the current folder. */
export const DEFAULT_DATA_DIR = '.mltrail';

/** Which table a command reads or writes: the options every command that opens the store takes. */
export interface EventStoreLocation {
  /** A real table (with no endpoint: in AWS, with the default credential chain). */
  readonly table?: string;
  /** Any DynamoDB endpoint; a loopback one gets the table created when missing. */
  readonly endpoint?: string;
  /** Folder of the embedded DynamoDB Local, used when neither table nor endpoint is given. */
  readonly dataDir: string;
  readonly region?: string;
}

/** How a command opens the store. */
export interface EventStoreOptions extends EventStoreLocation {
  /**
   * Only to read: a store or table that does not exist is an error saying where it was looked for,
   * never created empty (a mistyped --data-dir would otherwise answer "no events found").
   */
  readonly readOnly?: boolean;
  /** Where the embedded store's idle timeout is read (`MLTRAIL_STORE_IDLE_SECONDS`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

function missingStore(where: string, options: EventStoreOptions): UsageError {
  const dataDir =
    options.endpoint === undefined && options.table === undefined ? ` --data-dir ${options.dataDir}` : '';
  const target = options.endpoint ? ` --endpoint ${options.endpoint}` : '';
  const table = options.table ? ` --table ${options.table}` : '';
  return new UsageError(
    `no events table ${where}: ingest log files first (mltrail ingest <folder>${dataDir}${target}${table})`,
  );
}

/** An open events table. */
export interface EventStore {
  /** For writing events (the event writer retries on its own: the SDK does not). */
  readonly client: DynamoDBClient;
  /** For reading events back (with the SDK's retries). */
  readonly readClient: DynamoDBClient;
  readonly tableName: string;
  /** The DynamoDB endpoint when not AWS's own. */
  readonly endpoint?: string;
  /** Where the table is, for people: `table mltrail-events in DynamoDB Local at http://... (data in .mltrail/dynamodb)`. */
  readonly description: string;
  /** Closes the clients and stops the embedded DynamoDB Local, if started. */
  close(): Promise<void>;
}

/**
 * Opens the events table a command works on: the embedded DynamoDB Local persisted under
 * `dataDir` (started here) when neither `table` nor `endpoint` is given; otherwise the table at
 * `endpoint`, or in AWS. Local tables are created from the stack's definition when missing.
 */
export async function openEventStore(options: EventStoreOptions): Promise<EventStore> {
  const tableName = options.table ?? DEFAULT_TABLE_NAME;
  if (options.endpoint === undefined && options.table === undefined) {
    const storeDir = storeDirOf(options.dataDir);
    if (options.readOnly && !existsSync(storeDir)) throw missingStore(`in ${resolve(storeDir)}`, options);
    const store = await openLocalStore(options.dataDir, storeIdleSecondsOf(options.env ?? process.env));
    const lifetime =
      store.idleTimeoutSeconds > 0
        ? `; it stays up ${store.idleTimeoutSeconds} s after its last use (${STORE_IDLE_SECONDS_VARIABLE}), mltrail local stop stops it`
        : '';
    try {
      return await connect(
        tableName,
        { endpoint: store.endpoint, region: options.region ?? LOCAL_REGION, credentials: store.credentials },
        options.readOnly ? 'require' : 'create',
        `table ${tableName} in DynamoDB Local at ${store.endpoint} (data in ${storeDir}${lifetime})`,
        () => store.release(),
        () => missingStore(`named ${tableName} in ${resolve(storeDir)}`, options),
      );
    } catch (error) {
      await store.release();
      throw error;
    }
  }
  const local = options.endpoint !== undefined && isLoopbackEndpoint(options.endpoint);
  const where = options.endpoint ? `at ${options.endpoint}` : 'in AWS';
  return connect(
    tableName,
    clientSettingsFor(options.endpoint, options.region),
    options.readOnly ? 'require' : local ? 'create' : 'assume',
    `table ${tableName} ${where}`,
    async () => {},
    () => missingStore(`named ${tableName} ${where}`, options),
  );
}

async function connect(
  tableName: string,
  settings: ClientSettings,
  /** Whether the table is created when missing, required to exist, or taken as it is (AWS). */
  table: 'create' | 'require' | 'assume',
  description: string,
  stopServer: () => Promise<void>,
  missing: () => Error,
): Promise<EventStore> {
  const { endpoint } = settings;
  const client = createDynamoDbClient(settings);
  const readClient = createDynamoDbReadClient(settings);
  try {
    if (table === 'create') await ensureEventsTable(client, tableName);
    if (table === 'require' && !(await tableExists(readClient, tableName))) throw missing();
  } catch (error) {
    client.destroy();
    readClient.destroy();
    throw error;
  }
  return {
    client,
    readClient,
    tableName,
    ...(endpoint ? { endpoint } : {}),
    description,
    async close() {
      client.destroy();
      readClient.destroy();
      await stopServer();
    },
  };
}
