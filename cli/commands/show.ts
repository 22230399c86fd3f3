import { getEvent } from '../../client/event-queries';
import { toJsonText } from '../../lambda/core/record-json';
import type { CliContext } from '../cli-context';
import {
  csvLine,
  inDisplayOrder,
  type OutputOptions,
  outputFormatOf,
  toIndentedJsonText,
} from '../event-output';
import { type EventStoreLocation, openEventStore } from '../event-store';
import { stopOnSignal } from '../stop-on-signal';

/** Options of `mltrail show`. */
export interface ShowCommandOptions extends OutputOptions, EventStoreLocation {}

/**
 * `mltrail show <eventID>`: one event in full, by CloudTrail's eventID (a GetItem): indented JSON,
 * one line with `--json`, or attribute,value lines with `--output csv`. Exit 1 when no event has it.
 */
export async function runShow(
  eventID: string,
  options: ShowCommandOptions,
  context: CliContext,
): Promise<number> {
  const format = outputFormatOf(options);
  const store = await openEventStore({ ...options, readOnly: true, env: context.env });
  const removeSignalHandlers = stopOnSignal(() => store.close());
  try {
    const found = await getEvent({ client: store.readClient, tableName: store.tableName }, eventID);
    if (found === undefined) {
      context.stderr.write(`no event with eventID ${eventID} in ${store.description}\n`);
      return 1;
    }
    const event = inDisplayOrder(found);
    if (format === 'json') context.stdout.write(`${toJsonText(event)}\n`);
    else if (format === 'csv') {
      const lines = Object.entries(event).map(([name, value]) =>
        csvLine([name, typeof value === 'object' && value !== null ? toJsonText(value) : value]),
      );
      context.stdout.write(`${[csvLine(['attribute', 'value']), ...lines].join('\n')}\n`);
    } else context.stdout.write(`${toIndentedJsonText(event)}\n`);
    return 0;
  } finally {
    removeSignalHandlers();
    await store.close();
  }
}
