import { queryEvents } from '../../client/event-queries';
import type { MlEventSummary } from '../../contract/ml-event-item';
import { type CliContext, writeLines } from '../cli-context';
import { csvLine, type OutputOptions, outputFormatOf } from '../event-output';
import { type EventStoreLocation, openEventStore } from '../event-store';
import { asUsageError, catalogueServices, type EventSelectionOptions, eventQueryOf } from '../query-options';
import { stopOnSignal } from '../stop-on-signal';
import { formatCountTable } from '../table-output';

/** What `stats --by` groups by, and the value of an event it reads. */
export const STATS_GROUPS = {
  service: (event: MlEventSummary) => event.service,
  principal: (event: MlEventSummary) => event.principal,
  actor: (event: MlEventSummary) => event.actor,
  eventName: (event: MlEventSummary) => event.eventName,
  account: (event: MlEventSummary) => event.recipientAccountId,
  errorCode: (event: MlEventSummary) => event.errorCode,
  day: (event: MlEventSummary) => event.eventTime.slice(0, 10),
} as const;

/** A `--by` value. */
export type StatsGroup = keyof typeof STATS_GROUPS;

/** Options of `mltrail stats`. */
export interface StatsCommandOptions extends EventSelectionOptions, OutputOptions, EventStoreLocation {
  readonly by: StatsGroup;
}

// An event without the attribute (no actor, a call that did not fail) is counted under this in a
// table (in JSON the group is null, in CSV empty, so that it cannot be taken for a value '-').
const NONE = '-';

/**
 * `mltrail stats --by <group>`: how many events of the selection (a time range, a service, ...)
 * fall in each group, largest first; read from the index summaries, through every page in range.
 */
export async function runStats(options: StatsCommandOptions, context: CliContext): Promise<number> {
  const format = outputFormatOf(options);
  const query = eventQueryOf(options, catalogueServices(context.env), context.stderr);
  const groupOf = STATS_GROUPS[options.by];
  const store = await openEventStore({ ...options, readOnly: true, env: context.env });
  const removeSignalHandlers = stopOnSignal(() => store.close());
  try {
    const counts = new Map<string | undefined, number>();
    let total = 0;
    for await (const event of queryEvents({ client: store.readClient, tableName: store.tableName }, query)) {
      const group = groupOf(event);
      counts.set(group, (counts.get(group) ?? 0) + 1);
      total += 1;
    }
    // Largest first; days in time order.
    const rows = [...counts].sort(([a = '', x], [b = '', y]) =>
      options.by === 'day' ? (a < b ? -1 : 1) : y - x || (a < b ? -1 : a > b ? 1 : 0),
    );
    if (format === 'json') {
      for (const [group, count] of rows)
        context.stdout.write(`${JSON.stringify({ [options.by]: group ?? null, count })}\n`);
    } else if (format === 'csv') {
      writeLines(context.stdout, [csvLine([options.by, 'count']), ...rows.map((row) => csvLine(row))]);
    } else if (total === 0) {
      writeLines(context.stdout, ['no events found']);
    } else {
      writeLines(context.stdout, [
        ...formatCountTable(
          options.by,
          rows.map(([group, count]) => [group ?? NONE, count]),
        ),
        '',
        `${total.toLocaleString('en-US')} event${total === 1 ? '' : 's'} in ${rows.length} group${rows.length === 1 ? '' : 's'}`,
      ]);
    }
    return 0;
  } catch (error) {
    throw asUsageError(error);
  } finally {
    removeSignalHandlers();
    await store.close();
  }
}
