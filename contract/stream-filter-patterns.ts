import type { MlEventItem } from './ml-event-item';

/** A change a DynamoDB stream record describes (`eventName` of the record). */
export type StreamChangeName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** The item attributes a filter can match: top-level strings and booleans, as the stream carries them. */
export type MatchableStringField = {
  [K in keyof MlEventItem]-?: NonNullable<MlEventItem[K]> extends string ? K : never;
}[keyof MlEventItem];
export type MatchableBooleanField = {
  [K in keyof MlEventItem]-?: NonNullable<MlEventItem[K]> extends boolean ? K : never;
}[keyof MlEventItem];

/** Values a string attribute may have: any of a list, or a prefix. */
export type StringMatch = readonly string[] | { readonly prefix: string };

/** Attribute values a stream record's image must have; every attribute named must match. */
export type ItemMatch = { readonly [K in MatchableStringField]?: StringMatch } & {
  readonly [K in MatchableBooleanField]?: boolean;
};

/** Which stream records a consumer is invoked for. */
export interface StreamMatch {
  /**
   * The changes to deliver.
   *
   * @default - every change: INSERT, MODIFY and REMOVE
   */
  readonly changes?: readonly StreamChangeName[];
  /**
   * Attribute values of the item: of its new image, or of its old image when `changes` is
   * `['REMOVE']`. A removed item has no new image, so with `item` and no `changes` only INSERT
   * and MODIFY records match.
   *
   * @default - any item
   */
  readonly item?: ItemMatch;
}

/** A match that cannot become a filter (an empty list matches nothing: Lambda rejects it). */
export class StreamMatchError extends Error {
  override name = 'StreamMatchError';
}

/**
 * The Lambda event filter pattern of a match, in the DynamoDB JSON the stream carries:
 * `{ eventName: ['INSERT'], dynamodb: { NewImage: { service: { S: ['bedrock'] } } } }`. Give it
 * to `FilterCriteria.filter()`, or to `addStreamConsumer`'s `match`.
 */
export function streamFilterPattern(match: StreamMatch): Record<string, unknown> {
  const pattern: Record<string, unknown> = {};
  if (match.changes !== undefined) {
    if (match.changes.length === 0) throw new StreamMatchError('changes is empty: name at least one change');
    pattern.eventName = [...new Set(match.changes)];
  }
  const entries = Object.entries(match.item ?? {}).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return pattern;
  const image: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (typeof value === 'boolean') {
      image[name] = { BOOL: [value] };
    } else if (Array.isArray(value)) {
      if (value.length === 0)
        throw new StreamMatchError(`item.${name} is an empty list: it would match nothing`);
      image[name] = { S: [...new Set(value as string[])] };
    } else {
      const { prefix } = value as { prefix: string };
      if (prefix === '')
        throw new StreamMatchError(`item.${name}.prefix is empty: leave the attribute out instead`);
      image[name] = { S: [{ prefix }] };
    }
  }
  const removals = match.changes?.filter((change) => change === 'REMOVE').length ?? 0;
  const onlyRemovals = match.changes !== undefined && removals === match.changes.length;
  if (removals > 0 && !onlyRemovals) {
    throw new StreamMatchError(
      'a removed item has no new image, so item values cannot select removals among other changes: ' +
        "give changes without REMOVE, or a second match with changes ['REMOVE']",
    );
  }
  pattern.dynamodb = { [onlyRemovals ? 'OldImage' : 'NewImage']: image };
  return pattern;
}
