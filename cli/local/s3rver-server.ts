import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface ListOptions {
  readonly delimiter?: string;
  readonly prefix?: string;
  readonly startAfter?: string;
  readonly maxKeys?: number;
}

interface ListResult {
  readonly objects: readonly { readonly key: string }[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
}

interface S3rverStore {
  listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
}

/** The part of an s3rver instance this project uses (s3rver ships no types). */
export interface S3rverInstance extends EventEmitter {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  readonly httpServer?: Server;
  readonly store: S3rverStore;
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** A running s3rver on loopback. */
export interface LocalS3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Emits `event` with an S3 event notification for each object created or removed. */
  readonly events: EventEmitter;
  /** Closes the server and removes its storage folder when it made one. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalS3}. */
export interface LocalS3Options {
  /** Buckets to create at start. */
  readonly buckets?: readonly string[];
  /** Storage folder; a temporary one, removed on stop, when absent. */
  readonly directory?: string;
}

/**
 * s3rver 3.7.1 stops walking its folders at the first delimiter below the prefix, so a delimited
 * listing (`Delimiter: '/'`) misses every common prefix whose objects lie deeper than one level,
 * as CloudTrail's all do. Delimited listings are answered here from the full listing instead.
 */
function groupDelimitedListings(store: S3rverStore): void {
  const listObjects = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const delimiter = options.delimiter;
    if (!delimiter) return listObjects(bucket, options);
    const prefix = options.prefix ?? '';
    const all = await listObjects(bucket, {
      ...options,
      delimiter: undefined,
      maxKeys: Number.POSITIVE_INFINITY,
    });
    const commonPrefixes = new Set<string>();
    const objects = all.objects.filter((object) => {
      const rest = object.key.slice(prefix.length);
      const at = rest.indexOf(delimiter);
      if (at === -1) return true;
      commonPrefixes.add(prefix + rest.slice(0, at + delimiter.length));
      return false;
    });
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
  };
}

/**
 * Starts s3rver in this process on 127.0.0.1 at a port the system picks, so that a busy port can
 * never stop it. Clients need path-style addressing and checksums only when required.
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3Server> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'mltrail-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  groupDelimitedListings(server.store);
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    events: server,
    async stop() {
      server.httpServer?.closeAllConnections();
      await server.close();
      if (!options.directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}
