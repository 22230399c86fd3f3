import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ALERT_MESSAGE_ATTRIBUTE,
  SEEN_BY_ATTRIBUTE,
  STATE_KEY,
  STATE_KIND_ATTRIBUTE,
  STATE_TTL_ATTRIBUTE,
  WINDOW_EVENTS_ATTRIBUTE,
} from '../../contract/detection-state-schema';
import { MAX_PARTITION_KEY_BYTES, toKeyValue } from '../../contract/key-values';
import { alertMessage, type DetectionState } from '../core/detections/detection-engine';
import type { Alert } from '../core/detections/signals';

/** A state write that failed for another reason than an item already being there. */
export class DetectionStateError extends Error {
  override name = 'DetectionStateError';
}

// A principal ARN and a model id can pass DynamoDB's key limit: the same digest rule as the events table.
const keyOf = (id: string) => ({ [STATE_KEY]: { S: toKeyValue(id, MAX_PARTITION_KEY_BYTES) } });

/**
 * The detection state in its DynamoDB table (see `detection-state-schema.ts`): conditional writes
 * only, so concurrent invocations and replays agree on what was first and what was sent.
 */
export class DetectionStateTable implements DetectionState {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claimFirstSeen(id: string, eventID: string): Promise<string> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...keyOf(id), [STATE_KIND_ATTRIBUTE]: { S: 'seen' }, [SEEN_BY_ATTRIBUTE]: { S: eventID } },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': STATE_KEY },
        }),
      );
      return eventID;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.failed('claim', id, error);
    }
    const held = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(id), ConsistentRead: true }),
    );
    const holder = held.Item?.[SEEN_BY_ATTRIBUTE]?.S;
    if (holder === undefined) throw new DetectionStateError(`state item ${id} has no ${SEEN_BY_ATTRIBUTE}`);
    return holder;
  }

  async countInWindow(id: string, eventID: string, threshold: number, expiresAt: number): Promise<number> {
    try {
      const updated = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          // A string set: adding an eventID it holds leaves it as it was, so a replay counts nothing.
          UpdateExpression: 'SET #kind = :kind, #ttl = :ttl ADD #events :event',
          ConditionExpression:
            'attribute_not_exists(#events) OR size(#events) < :threshold OR contains(#events, :id)',
          ExpressionAttributeNames: {
            '#kind': STATE_KIND_ATTRIBUTE,
            '#events': WINDOW_EVENTS_ATTRIBUTE,
            '#ttl': STATE_TTL_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':kind': { S: 'window' },
            ':ttl': { N: String(expiresAt) },
            ':event': { SS: [eventID] },
            ':id': { S: eventID },
            ':threshold': { N: String(threshold) },
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return updated.Attributes?.[WINDOW_EVENTS_ATTRIBUTE]?.SS?.length ?? 0;
    } catch (error) {
      // Full: it holds `threshold` other events already.
      if (error instanceof ConditionalCheckFailedException) return threshold;
      throw this.failed('count in', id, error);
    }
  }

  async recordAlert(alert: Alert): Promise<boolean> {
    const id = `alert#${alert.alertId}`;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(id),
            [STATE_KIND_ATTRIBUTE]: { S: 'alert' },
            ruleId: { S: alert.ruleId },
            eventID: { S: alert.eventID },
            [ALERT_MESSAGE_ATTRIBUTE]: { S: alertMessage(alert) },
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': STATE_KEY },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.failed('record', id, error);
    }
  }

  private failed(action: string, id: string, cause: unknown): DetectionStateError {
    return new DetectionStateError(`could not ${action} state item ${id} of table ${this.tableName}`, {
      cause,
    });
  }
}
