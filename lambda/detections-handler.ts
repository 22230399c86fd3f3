import { Logger } from '@aws-lambda-powertools/logger';
import { DETECTIONS_SERVICE_NAME } from '../contract/detection-settings';
import { createDynamoDbReadClient } from './adapters/aws-clients';
import { DetectionStateTable } from './adapters/detection-state-table';
import { loadDetectionsConfig } from './detections-config';
import { createDetectionsConsumer } from './detections-consumer';

const logger = new Logger({ serviceName: DETECTIONS_SERVICE_NAME });
const config = loadDetectionsConfig(process.env);

/** Lambda entry point: the events table's stream, through the detection rules. */
export const handler = createDetectionsConsumer({
  rules: config.rules,
  // State writes are conditional, so the SDK's own retries of them are safe.
  state: new DetectionStateTable(createDynamoDbReadClient(), config.stateTableName),
  logger,
});
