import { Logger } from '@aws-lambda-powertools/logger';
import { createDynamoDbClient } from '../lambda/adapters/aws-clients';

/**
 * The second reference beside the handler's cold import: the Logger-only function plus the
 * DynamoDB client the handler makes, made the same way. Its import is the AWS SDK's share of a
 * cold start, a floor no function that writes through the SDK goes below.
 */
const logger = new Logger({ serviceName: 'mltrail-bench' });
const dynamodb = createDynamoDbClient();

export const handler = async (event: unknown): Promise<void> => {
  logger.info('event', { event, region: await dynamodb.config.region() });
};
