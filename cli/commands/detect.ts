import { alertMessage } from '../../lambda/core/detections/detection-engine';
import { type CliContext, writeLines } from '../cli-context';
import { parseTimeOption } from '../date-range';
import {
  detectionSettingsFrom,
  formatAlerts,
  itemsInTimeOrder,
  replayDetections,
} from '../detections-replay';
import { type EventStoreLocation, openEventStore } from '../event-store';
import { catalogueServices } from '../query-options';
import { stopOnSignal } from '../stop-on-signal';

/** Options of `mltrail detect`. */
export interface DetectCommandOptions extends EventStoreLocation {
  readonly since?: string;
  readonly json: boolean;
}

/**
 * `mltrail detect`: the detection rules of the deployed function (with MLTRAIL_DETECTION_RULES'
 * settings) replayed over what the table holds, in eventTime order, alerts printed (one JSON
 * message a line with `--json`, as the alarm topic receives them).
 */
export async function runDetect(options: DetectCommandOptions, context: CliContext): Promise<number> {
  const settings = detectionSettingsFrom(context.env);
  const since = options.since === undefined ? undefined : parseTimeOption(options.since, '--since');
  const store = await openEventStore({ ...options, readOnly: true });
  const removeSignalHandlers = stopOnSignal(() => store.close());
  try {
    const alerts = await replayDetections(
      await itemsInTimeOrder(store.readClient, store.tableName, catalogueServices(context.env), since),
      settings,
    );
    if (options.json) {
      for (const alert of alerts)
        context.stdout.write(`${JSON.stringify(JSON.parse(alertMessage(alert)))}\n`);
    } else {
      writeLines(context.stdout, formatAlerts(alerts));
    }
    return 0;
  } finally {
    removeSignalHandlers();
    await store.close();
  }
}
