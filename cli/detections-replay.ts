import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { queryEvents } from '../client/event-queries';
import {
  DETECTIONS_ENV,
  DetectionSettingsError,
  resolveDetectionSettings,
  validateDetectionSettings,
} from '../contract/detection-settings';
import type { MlEventItem } from '../contract/ml-event-item';
import { detectAlerts, type RuleSettingsById } from '../lambda/core/detections/detection-engine';
import { MemoryDetectionState } from '../lambda/core/detections/memory-detection-state';
import type { Alert } from '../lambda/core/detections/signals';
import { UsageError } from './usage-error';

/** The rule settings `mltrail detect` uses: MLTRAIL_DETECTION_RULES, as the function reads it. */
export function detectionSettingsFrom(env: NodeJS.ProcessEnv): RuleSettingsById {
  const text = env[DETECTIONS_ENV.RULES];
  try {
    const settings: unknown = text === undefined || text === '' ? {} : JSON.parse(text);
    validateDetectionSettings(settings, DETECTIONS_ENV.RULES);
    return resolveDetectionSettings(settings, DETECTIONS_ENV.RULES);
  } catch (error) {
    if (error instanceof DetectionSettingsError) throw new UsageError(error.message);
    if (error instanceof SyntaxError)
      throw new UsageError(`${DETECTIONS_ENV.RULES} is not valid JSON: ${text}`);
    throw error;
  }
}

/**
 * Every event of the catalogue's services from `since` on, oldest first (ties by eventID): the
 * query module's time range over all services (byService, each service's shards), full items.
 */
export async function itemsInTimeOrder(
  client: DynamoDBClient,
  tableName: string,
  services: readonly string[],
  since?: string,
): Promise<MlEventItem[]> {
  const items: MlEventItem[] = [];
  const query = since === undefined ? { services } : { services, since };
  for await (const item of queryEvents({ client, tableName }, query, { full: true })) items.push(item);
  return items.reverse();
}

/** The alerts the rules raise over `items`, replayed in order with state held in memory. */
export async function replayDetections(
  items: readonly MlEventItem[],
  settings: RuleSettingsById,
): Promise<Alert[]> {
  const state = new MemoryDetectionState();
  const alerts: Alert[] = [];
  for (const item of items) alerts.push(...(await detectAlerts(item, settings, state)));
  return alerts;
}

/** Alerts for a person: one line each, then the command that shows the event. */
export function formatAlerts(alerts: readonly Alert[]): string[] {
  if (alerts.length === 0) return ['no alerts'];
  return [
    ...alerts.flatMap((alert) => [
      `${alert.eventTime}  ${alert.severity.toUpperCase().padEnd(6)}  ${alert.ruleId}: ${alert.summary}`,
      `    mltrail show ${alert.eventID}`,
    ]),
    '',
    `${alerts.length} alert${alerts.length === 1 ? '' : 's'}`,
  ];
}
