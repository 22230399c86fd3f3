/**
 * Write sharding of the index keys: the one place that decides how many partition values a
 * busy key is spread over.
 *
 * One partition-key value of a DynamoDB table or index takes at most 1,000 write units a second,
 * and a time-ordered sort key keeps DynamoDB from splitting it for heat. A production GenAI app
 * sends thousands of Bedrock InvokeModel/Converse events a second from one role, to one model,
 * in one account: every index key of those events is hot at once. So each event of a busy
 * service gets a `keyShard` in `[0, MAX_KEY_SHARDS)`, derived from its eventID alone (the same
 * event always lands on the same shard, so re-ingestion rewrites the same index entries), and
 * every index's partition key includes it. 16 shards take 16,000 one-unit writes a second per
 * key value, 1.6x the 10,000 events/s this is sized for.
 *
 * Quiet services (Forecast, Personalize, Lookout, ...) are always shard 0, so in the console
 * their events are `service = forecast, keyShard = 0`. A query that knows the service reads its
 * shards only; one that does not (a principal, an account, a resource) reads all of them.
 */

/** Partition values a busy key is spread over; every query that does not know the service reads this many. */
export const MAX_KEY_SHARDS = 16;

/**
 * The services whose events are sharded: those whose management events include per-request
 * runtime calls (model invocations, detections, translations, completions) that one app makes
 * at thousands a second. Services not listed, including any added to the catalogue, use shard 0.
 * Changing this list changes where new events land: queries read every shard of a sharded
 * service, so adding a service is safe; removing one hides its events on shards above 0.
 */
export const SHARDED_SERVICES: ReadonlySet<string> = new Set([
  'bedrock',
  'sagemaker',
  'rekognition',
  'comprehend',
  'textract',
  'translate',
  'polly',
  'transcribe',
  'lex',
  'kendra',
  'q',
]);

/** How many shards the events of `service` are spread over: MAX_KEY_SHARDS or 1. */
export function shardCountOf(service: string): number {
  return SHARDED_SERVICES.has(service) ? MAX_KEY_SHARDS : 1;
}

// FNV-1a over the UTF-16 code units: fast, stable across runtimes, and even on UUIDs.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard of one event: a function of its service and eventID only. */
export function keyShardOf(service: string, eventID: string): number {
  const count = shardCountOf(service);
  return count === 1 ? 0 : fnv1a(eventID) % count;
}

/** The shards a query reads: those of `service` when it is known, else every shard. */
export function keyShardsToRead(service?: string): readonly number[] {
  const count = service === undefined ? MAX_KEY_SHARDS : shardCountOf(service);
  return Array.from({ length: count }, (_, shard) => shard);
}
