import { type Duration, Token } from 'aws-cdk-lib';
import { EVENT_SOURCE_PATTERN, SERVICE_NAME_PATTERN } from '../contract/catalogue-format';
import { nearNames } from '../contract/near-names';
import { OPTIONAL_INDEXES, type OptionalIndexName } from '../contract/table-schema';

/** A construct prop or context value that cannot produce a working pipeline. */
export class PipelinePropsError extends Error {
  override readonly name = 'PipelinePropsError';
}

/** Log levels Powertools for AWS Lambda accepts in `POWERTOOLS_LOG_LEVEL`. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

/** A Powertools log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
// CloudTrail trail names: 3-128 characters, start and end with a letter or digit, no adjacent separators.
const TRAIL_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-])){1,126}[A-Za-z0-9]$/;
const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const RESOURCE_TYPE_PATTERN = /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/;
const MAX_S3_KEY_PREFIX_LENGTH = 200;
/** Lambda's limit on the total size of a function's environment variables. */
export const MAX_ENVIRONMENT_BYTES = 4096;

/** Returns a whole number of days, or throws naming the prop when the duration is not one. */
export function requireWholeDays(propName: string, value: Duration, fix: string): number {
  if (Token.isUnresolved(value.toSeconds())) {
    throw new PipelinePropsError(`${propName} must be a concrete duration, not a token; ${fix}`);
  }
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) {
    throw new PipelinePropsError(
      `Invalid ${propName} "${value.toHumanString()}": it must be a whole number of days, at least 1; ${fix}`,
    );
  }
  return days;
}

/** Throws unless `value` is an integer within `[min, max]`. */
export function requireIntegerInRange(propName: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PipelinePropsError(
      `Invalid ${propName} ${value}: it must be an integer from ${min} to ${max}.`,
    );
  }
}

/** Throws unless `value` is one of `choices`. */
export function requireChoice(propName: string, value: string, choices: readonly string[]): void {
  if (!choices.includes(value)) {
    throw new PipelinePropsError(
      `Invalid ${propName} "${value}": give one of ${choices.map((choice) => `'${choice}'`).join(', ')}.`,
    );
  }
}

/** Throws unless every key is a non-empty string: an allow-list of top-level payload keys. */
export function validateKeyAllowList(propName: string, keys: readonly string[]): void {
  const bad = keys.find((key) => typeof key !== 'string' || key === '');
  if (bad !== undefined) {
    throw new PipelinePropsError(
      `Invalid ${propName} entry ${JSON.stringify(bad)}: give the top-level key names to store, for example ` +
        `["modelId"], or leave ${propName} unset to store every key.`,
    );
  }
}

/**
 * Throws unless every name is one of the opt-in indexes, naming the near one for a mistyped name
 * (`byActr`: did you mean byActor?).
 */
export function validateOptionalIndexes(names: readonly string[]): readonly OptionalIndexName[] {
  const known = OPTIONAL_INDEXES.map((index) => index.indexName);
  for (const name of names) {
    if (typeof name === 'string' && known.includes(name)) continue;
    const near = typeof name === 'string' ? nearNames(name, known) : [];
    throw new PipelinePropsError(
      `Invalid optionalIndexes entry ${JSON.stringify(name)}: ${near.length > 0 ? `did you mean ${near.join(' or ')}? ` : ''}` +
        `the opt-in indexes are ${known.join(', ')} (the default ones always exist).`,
    );
  }
  return [...new Set(names)] as OptionalIndexName[];
}

/** Throws unless the S3 key prefix is one CloudTrail accepts and this pipeline can filter on. */
export function validateLogFilePrefix(prefix: string): void {
  if (prefix === '' || prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new PipelinePropsError(
      `Invalid logFilePrefix "${prefix}": give the trail's S3 key prefix without a leading or trailing "/" ` +
        '(for example "cloudtrail"), or leave it unset when the trail has no prefix.',
    );
  }
  if (prefix.length > MAX_S3_KEY_PREFIX_LENGTH) {
    throw new PipelinePropsError(
      `Invalid logFilePrefix "${prefix}": CloudTrail accepts at most ${MAX_S3_KEY_PREFIX_LENGTH} characters.`,
    );
  }
}

/** Throws unless `name` is a valid CloudTrail trail name. */
export function validateTrailName(name: string): void {
  if (!TRAIL_NAME_PATTERN.test(name)) {
    throw new PipelinePropsError(
      `Invalid trailName "${name}": use 3-128 letters, digits, ".", "_" or "-", starting and ending with a ` +
        'letter or digit, with no two separators in a row.',
    );
  }
}

/** Throws unless `arn` is an IAM role ARN (a token is accepted as is). */
export function validateBreakGlassRoleArn(arn: string): void {
  if (!Token.isUnresolved(arn) && !ROLE_ARN_PATTERN.test(arn)) {
    throw new PipelinePropsError(
      `Invalid breakGlassRoleArn "${arn}": give an IAM role ARN such as ` +
        '"arn:aws:iam::123456789012:role/LogBucketBreakGlass" (the role, not an assumed-role session).',
    );
  }
}

/** Throws unless `id` looks like an AWS Organizations id. */
export function validateOrganizationId(id: string): void {
  if (!ORGANIZATION_ID_PATTERN.test(id)) {
    throw new PipelinePropsError(
      `Invalid organizationId "${id}": expected "o-" and 10-32 lowercase letters or digits, as shown by ` +
        '`aws organizations describe-organization`.',
    );
  }
}

/** Throws unless every entry is a CloudTrail data-event resource type such as `AWS::Bedrock::Model`. */
export function validateDataEventResourceTypes(resourceTypes: readonly string[]): void {
  if (resourceTypes.length === 0) {
    throw new PipelinePropsError(
      'Invalid mlDataEvents []: list at least one resource type (for example "AWS::Bedrock::Model"), ' +
        'or set it to false to log management events only.',
    );
  }
  const seen = new Set<string>();
  for (const resourceType of resourceTypes) {
    if (!RESOURCE_TYPE_PATTERN.test(resourceType)) {
      throw new PipelinePropsError(
        `Invalid mlDataEvents entry "${resourceType}": expected a CloudTrail resources.type value such as ` +
          '"AWS::Bedrock::Model" or "AWS::SageMaker::Endpoint".',
      );
    }
    if (seen.has(resourceType)) {
      throw new PipelinePropsError(`Invalid mlDataEvents: "${resourceType}" is listed twice; list it once.`);
    }
    seen.add(resourceType);
  }
}

/** Throws unless the catalogue maps CloudTrail event sources to service names the table can key on. */
export function validateCatalogue(propName: string, catalogue: Readonly<Record<string, string>>): void {
  for (const [eventSource, service] of Object.entries(catalogue)) {
    if (!EVENT_SOURCE_PATTERN.test(eventSource)) {
      throw new PipelinePropsError(
        `Invalid ${propName} key "${eventSource}": expected a CloudTrail eventSource such as ` +
          '"forecast.amazonaws.com".',
      );
    }
    if (typeof service !== 'string' || !SERVICE_NAME_PATTERN.test(service)) {
      throw new PipelinePropsError(
        `Invalid ${propName} value ${JSON.stringify(service)} for "${eventSource}": use 1-63 lowercase letters, ` +
          'digits or "-" (for example "forecast"); it becomes a partition key value.',
      );
    }
  }
}

/** Throws when the catalogue in force would keep no event at all. */
export function validateCatalogueNotEmpty(
  serviceCatalogue: Readonly<Record<string, string>> | undefined,
  extraServices: Readonly<Record<string, string>> | undefined,
): void {
  const isEmpty = (catalogue: Readonly<Record<string, string>> | undefined) =>
    catalogue !== undefined && Object.keys(catalogue).length === 0;
  if (isEmpty(serviceCatalogue) && (extraServices === undefined || isEmpty(extraServices))) {
    throw new PipelinePropsError(
      'Invalid serviceCatalogue {}: with no extraServices the function would keep no event; map at least one ' +
        'eventSource (for example "forecast.amazonaws.com") to a service name, or leave serviceCatalogue unset.',
    );
  }
}

/** Throws unless `level` is one of the Powertools log levels. */
export function validateLogLevel(level: string): asserts level is LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new PipelinePropsError(`Invalid logLevel "${level}": use one of ${LOG_LEVELS.join(', ')}.`);
  }
}

/**
 * Throws when the function's environment would exceed Lambda's 4 KB limit. Unresolved values
 * (the table name) count as `tokenBytes`.
 */
export function validateEnvironmentSize(
  environment: Readonly<Record<string, string>>,
  tokenBytes: number,
): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(key) + (Token.isUnresolved(value) ? tokenBytes : Buffer.byteLength(value));
  }
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    throw new PipelinePropsError(
      `The function's environment would take about ${bytes} bytes, over Lambda's ${MAX_ENVIRONMENT_BYTES}-byte ` +
        'limit: shorten serviceCatalogue or extraServices (list only the event sources you need).',
    );
  }
}
