import type { MlEventItem } from '../../contract/ml-event-item';
import { toJsonText } from '../../lambda/core/record-json';
import { type CliContext, writeLines } from '../cli-context';
import { parseTimeOption } from '../date-range';
import { type EventQuery, queryEvents } from '../event-queries';
import { openEventStore } from '../event-store';
import { stopOnSignal } from '../stop-on-signal';
import { formatEventTable } from '../table-output';
import { UsageError } from '../usage-error';

/** Options of `mltrail query`. */
export interface QueryCommandOptions {
  readonly service?: string;
  readonly principal?: string;
  readonly account?: string;
  readonly eventName?: string;
  readonly since?: string;
  readonly until?: string;
  /** At most this many events; 0 for all. */
  readonly limit: number;
  readonly json: boolean;
  readonly table?: string;
  readonly endpoint?: string;
  readonly dataDir: string;
  readonly region?: string;
}

/** The access pattern the options name; throws a usage error unless they name exactly one. */
export function eventQueryOf(options: QueryCommandOptions): EventQuery {
  const patterns = [options.service, options.principal, options.account].filter(
    (value) => value !== undefined,
  );
  if (patterns.length !== 1) {
    throw new UsageError('give exactly one of --service, --principal or --account');
  }
  if (options.eventName !== undefined && options.service === undefined) {
    throw new UsageError('--event-name needs --service: event names are queried within one service');
  }
  return {
    ...(options.service === undefined ? {} : { service: options.service }),
    ...(options.principal === undefined ? {} : { principal: options.principal }),
    ...(options.account === undefined ? {} : { accountId: options.account }),
    ...(options.eventName === undefined ? {} : { eventName: options.eventName }),
    ...(options.since === undefined ? {} : { since: parseTimeOption(options.since, '--since') }),
    ...(options.until === undefined ? {} : { until: parseTimeOption(options.until, '--until') }),
    ...(options.limit > 0 ? { limit: options.limit } : {}),
  };
}

/**
 * `mltrail query`: the events of one service, principal or account (optionally one event name of a
 * service, and a time range), newest first; a table, or one JSON item a line with `--json`.
 */
export async function runQuery(options: QueryCommandOptions, context: CliContext): Promise<number> {
  const query = eventQueryOf(options);
  const store = await openEventStore(options);
  const removeSignalHandlers = stopOnSignal(() => store.close());
  try {
    const items: MlEventItem[] = [];
    for await (const item of queryEvents(store.readClient, store.tableName, query)) {
      if (options.json) context.stdout.write(`${toJsonText(item)}\n`);
      else items.push(item);
    }
    if (!options.json) writeLines(context.stdout, describeResult(items, options.limit));
    return 0;
  } finally {
    removeSignalHandlers();
    await store.close();
  }
}

function describeResult(items: readonly MlEventItem[], limit: number): string[] {
  if (items.length === 0) return ['no events found'];
  const more = limit > 0 && items.length === limit ? ` (the newest ${limit}; --limit 0 shows all)` : '';
  return [...formatEventTable(items), '', `${items.length} event${items.length === 1 ? '' : 's'}${more}`];
}
