import type { Logger } from '@aws-lambda-powertools/logger';
import { createStreamConsumer, type StreamConsumerHandler } from '../client/stream-consumer';
import { type DetectionState, detectAlerts, type RuleSettingsById } from './core/detections/detection-engine';

/** What the detections handler is made of. */
export interface DetectionsConsumerDependencies {
  readonly rules: RuleSettingsById;
  readonly state: DetectionState;
  readonly logger: Logger;
}

/**
 * The detections function's handler: runs the rules over each new event item of the stream. An
 * alert is recorded in the state table (which sends it on); a record whose state writes fail is
 * reported alone and retried, and a retry raises nothing that was already raised.
 */
export function createDetectionsConsumer(
  dependencies: DetectionsConsumerDependencies,
): StreamConsumerHandler {
  const { rules, state, logger } = dependencies;
  const consume = createStreamConsumer(async (change) => {
    // Only a new event is evidence; a rewrite (MODIFY) or an expiry (REMOVE) is not a new call.
    if (change.type !== 'insert') return;
    const alerts = await detectAlerts(change.item, rules, state);
    for (const alert of alerts) {
      logger.warn('alert raised', { ruleId: alert.ruleId, alertId: alert.alertId, eventID: alert.eventID });
    }
  });
  return async (event, context) => {
    const response = await consume(event, context);
    logger.info('stream batch done', {
      records: event.Records.length,
      failed: response.batchItemFailures.length,
    });
    return response;
  };
}
