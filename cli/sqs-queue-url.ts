// https://sqs.<region>.amazonaws.com/<account>/<name>, also the legacy <region>.queue.amazonaws.com
const QUEUE_URL_REGION =
  /^https:\/\/(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com)\//;

/** The region in an SQS queue URL, or undefined when the URL does not name one. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  const match = QUEUE_URL_REGION.exec(queueUrl);
  return match?.[1] ?? match?.[2];
}
