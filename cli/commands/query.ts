import { type EventsTable, queryEvents } from '../../client/event-queries';
import type { MlEventSummary } from '../../contract/ml-event-item';
import { toJsonText } from '../../lambda/core/record-json';
import { type CliContext, writeLines } from '../cli-context';
import {
  CSV_COLUMNS,
  csvEventLine,
  csvLine,
  inDisplayOrder,
  type OutputOptions,
  outputFormatOf,
} from '../event-output';
import { type EventStoreLocation, openEventStore } from '../event-store';
import { asUsageError, catalogueServices, type EventSelectionOptions, eventQueryOf } from '../query-options';
import { stopOnSignal } from '../stop-on-signal';
import { DEFAULT_TABLE_WIDTH, formatEventTable } from '../table-output';

const ASSUMED_ROLE_SESSION_ARN = /^arn:[^:]+:sts::[^:]*:assumed-role\/[^/]+\/(.+)$/;

/** The session name of an assumed-role session ARN, else undefined. */
function sessionOf(arn: string): string | undefined {
  return ASSUMED_ROLE_SESSION_ARN.exec(arn)?.[1];
}

/** Options of `mltrail query`. */
export interface QueryCommandOptions extends EventSelectionOptions, OutputOptions, EventStoreLocation {
  /** At most this many events; 0 for all. */
  readonly limit: number;
}

/** The width a table gets: the terminal's, or DEFAULT_TABLE_WIDTH when stdout is not one. */
export function tableWidthOf(stdout: CliContext['stdout']): number {
  return stdout.isTTY && stdout.columns ? stdout.columns : DEFAULT_TABLE_WIDTH;
}

const plural = (count: number, noun: string) =>
  `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;

/**
 * `mltrail query`: the events the options select, newest first; a table of what the index holds,
 * one full event per line with `--json`, or CSV. A result cut at `--limit` says so on stderr.
 */
export async function runQuery(options: QueryCommandOptions, context: CliContext): Promise<number> {
  const format = outputFormatOf(options);
  const query = eventQueryOf(options, catalogueServices(context.env), context.stderr);
  const store = await openEventStore({ ...options, readOnly: true, env: context.env });
  const removeSignalHandlers = stopOnSignal(() => store.close());
  const table: EventsTable = { client: store.readClient, tableName: store.tableName };
  const full = format === 'json';
  try {
    const summaries: MlEventSummary[] = [];
    let count = 0;
    let cut = false;
    if (format === 'csv') context.stdout.write(`${csvLine(CSV_COLUMNS)}\n`);
    const events = queryEvents(table, query, {
      full,
      // One more than shown, to tell a cut result from one that fits exactly.
      ...(options.limit > 0 ? { limit: options.limit + 1 } : {}),
      onMissingEvent: (eventID) =>
        context.stderr.write(
          `event ${eventID} is listed by the index but was gone from the table when read\n`,
        ),
    });
    for await (const event of events) {
      if (options.limit > 0 && count === options.limit) {
        cut = true;
        break;
      }
      count += 1;
      if (format === 'json') context.stdout.write(`${toJsonText(inDisplayOrder(event))}\n`);
      else if (format === 'csv') context.stdout.write(`${csvEventLine(event)}\n`);
      else summaries.push(event);
    }
    const session = options.principal === undefined ? undefined : sessionOf(options.principal);
    if (count === 0 && session !== undefined) {
      // A session ARN names the role without its path: IAM Identity Center's roles all have one.
      context.stderr.write(
        `a session ARN does not hold its role's path (IAM Identity Center roles are under aws-reserved/sso.amazonaws.com/...): try --actor ${session}, or the role's full ARN\n`,
      );
    }
    if (format === 'table') {
      if (count === 0) writeLines(context.stdout, ['no events found']);
      else {
        const width = tableWidthOf(context.stdout);
        const { lines, notes, dropped } = formatEventTable(summaries, width);
        const all = notes.length > 0 ? `, all with ${notes.join(', ')}` : '';
        const left =
          dropped.length > 0
            ? ` (${dropped.join(', ')} left out to fit ${width} columns: --output csv has every column)`
            : '';
        writeLines(context.stdout, [...lines, '', `${plural(count, 'event')}${all}${left}`]);
      }
    }
    if (cut) {
      context.stderr.write(
        `the newest ${plural(options.limit, 'event')}; there are more (--limit 0 prints all)\n`,
      );
    }
    return 0;
  } catch (error) {
    throw asUsageError(error);
  } finally {
    removeSignalHandlers();
    await store.close();
  }
}
