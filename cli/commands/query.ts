import type { MlEventItem } from '../../contract/ml-event-item';
import { nearNames } from '../../contract/near-names';
import { loadServiceCatalogue } from '../../lambda/config';
import { roleArnOfSessionArn } from '../../lambda/core/principal';
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

/** A service as the catalogue names it, whatever its case; a usage error naming near names otherwise. */
export function catalogueServiceOf(name: string, serviceNames: readonly string[]): string {
  const lower = name.toLowerCase();
  if (serviceNames.includes(lower)) return lower;
  const near = nearNames(lower, serviceNames);
  throw new UsageError(
    `--service ${name} is not in the service catalogue${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} (MLTRAIL_EXTRA_SERVICES adds services)`,
  );
}

/** The access pattern the options name; throws a usage error unless they name exactly one. */
export function eventQueryOf(options: QueryCommandOptions, serviceNames: readonly string[]): EventQuery {
  const patterns = [options.service, options.principal, options.account].filter(
    (value) => value !== undefined,
  );
  if (patterns.length !== 1) {
    throw new UsageError('give exactly one of --service, --principal or --account');
  }
  if (options.eventName !== undefined && options.service === undefined) {
    throw new UsageError('--event-name needs --service: event names are queried within one service');
  }
  const since = options.since === undefined ? undefined : parseTimeOption(options.since, '--since');
  const until = options.until === undefined ? undefined : parseTimeOption(options.until, '--until');
  // An until date covers its whole day: '~' sorts after every character of a time.
  if (since !== undefined && until !== undefined && since > `${until}~`) {
    throw new UsageError(`--since ${options.since} is after --until ${options.until}`);
  }
  return {
    ...(options.service === undefined ? {} : { service: catalogueServiceOf(options.service, serviceNames) }),
    ...(options.principal === undefined ? {} : { principal: options.principal }),
    ...(options.account === undefined ? {} : { accountId: options.account }),
    ...(options.eventName === undefined ? {} : { eventName: options.eventName }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    // One more than shown, to tell a cut result from one that fits exactly.
    ...(options.limit > 0 ? { limit: options.limit + 1 } : {}),
  };
}

/**
 * `mltrail query`: the events of one service, principal or account (optionally one event name of a
 * service, and a time range), newest first; a table, or one JSON item a line with `--json`. A
 * result cut at `--limit` says so, on stderr with `--json`.
 */
export async function runQuery(options: QueryCommandOptions, context: CliContext): Promise<number> {
  const serviceNames = [...new Set(loadServiceCatalogue(context.env).values())];
  // Items store the role of an assumed-role session: the session ARN CloudTrail shows finds nothing.
  const role = options.principal === undefined ? undefined : roleArnOfSessionArn(options.principal);
  if (role) context.stderr.write(`--principal read as the role ${role} (events of all its sessions)\n`);
  const query = eventQueryOf(role ? { ...options, principal: role } : options, serviceNames);
  const store = await openEventStore({ ...options, readOnly: true, env: context.env });
  const removeSignalHandlers = stopOnSignal(() => store.close());
  try {
    const items: MlEventItem[] = [];
    let count = 0;
    let cut = false;
    for await (const item of queryEvents(store.readClient, store.tableName, query)) {
      if (options.limit > 0 && count === options.limit) {
        cut = true;
        break;
      }
      count += 1;
      if (options.json) context.stdout.write(`${toJsonText(item)}\n`);
      else items.push(item);
    }
    if (options.json && cut) {
      context.stderr.write(`the newest ${options.limit} events; there are more (--limit 0 prints all)\n`);
    }
    if (!options.json) writeLines(context.stdout, describeResult(items, options.limit, cut));
    return 0;
  } finally {
    removeSignalHandlers();
    await store.close();
  }
}

function describeResult(items: readonly MlEventItem[], limit: number, cut: boolean): string[] {
  if (items.length === 0) return ['no events found'];
  const more = cut ? ` (the newest ${limit}; there are more: --limit 0 shows all)` : '';
  return [...formatEventTable(items), '', `${items.length} event${items.length === 1 ? '' : 's'}${more}`];
}
