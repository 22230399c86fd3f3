import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '../contract/environment';
import { createDynamoDbClient, createS3ObjectReader } from './adapters/aws-clients';
import { loadConfig } from './config';
import { createIngestHandler } from './ingest-handler';

const logger = new Logger({ serviceName: POWERTOOLS_SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: POWERTOOLS_SERVICE_NAME });

/** Lambda entry point: S3 or EventBridge notifications (through SQS) of new CloudTrail log files. */
export const handler = createIngestHandler({
  config: loadConfig(process.env),
  s3: createS3ObjectReader(),
  dynamodb: createDynamoDbClient(),
  logger,
  metrics,
});
