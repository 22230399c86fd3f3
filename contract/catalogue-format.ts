/**
 * What a service catalogue entry may hold, checked both by the CDK construct (props) and by the
 * function (environment), so that a value one accepts the other accepts too.
 */

/** A CloudTrail eventSource: the host of the service, e.g. `forecast.amazonaws.com`. */
export const EVENT_SOURCE_PATTERN = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;

/**
 * A service short name: it becomes the table's partition key value and the first half of
 * `service:EventName`, so it is kept to what a person types.
 */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
