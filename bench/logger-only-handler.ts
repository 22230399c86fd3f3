import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The reference the handler's cold import is measured beside: a function that only logs, bundled
 * with the same options. Its import is Node's and Powertools' share of a cold start, so the ratio
 * of the two tells what the handler adds on whatever CPU the benchmark runs on.
 */
const logger = new Logger({ serviceName: 'mltrail-bench' });

export const handler = async (event: unknown): Promise<void> => {
  logger.info('event', { event });
};
