import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DETECTIONS_ENV,
  DetectionSettingsError,
  resolveDetectionSettings,
  validateDetectionSettings,
} from '../contract/detection-settings';
import { unmarshallItem } from '../contract/item-marshaller';
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
 * Every item of the table from `since` on, in eventTime order (ties by eventID). A paginated Scan:
 * the table has no index over all services by time, so this reads the whole table, which is right
 * for the embedded store and costs a full read on a table in AWS.
 */
export async function itemsInTimeOrder(
  client: DynamoDBClient,
  tableName: string,
  since?: string,
): Promise<MlEventItem[]> {
  const items: MlEventItem[] = [];
  let exclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ExclusiveStartKey: exclusiveStartKey,
        ...(since === undefined
          ? {}
          : {
              FilterExpression: '#time >= :since',
              ExpressionAttributeNames: { '#time': 'eventTime' },
              ExpressionAttributeValues: { ':since': { S: since } },
            }),
      }),
    );
    for (const item of page.Items ?? []) items.push(unmarshallItem(item));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey !== undefined);
  return items.sort((a, b) =>
    a.eventTime === b.eventTime ? (a.eventID < b.eventID ? -1 : 1) : a.eventTime < b.eventTime ? -1 : 1,
  );
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
