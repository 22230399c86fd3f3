import { Duration } from 'aws-cdk-lib';
import { ACCESS_KEY_ID_POLICIES, SOURCE_IP_ADDRESS_POLICIES } from '../contract/environment';
import { type IndexDefinition, indexesOf } from '../contract/table-schema';
import type { MlTrailPipelineProps } from './mltrail-pipeline';
import {
  type LogLevel,
  PipelinePropsError,
  requireChoice,
  requireIntegerInRange,
  requireWholeDays,
  validateBreakGlassRoleArn,
  validateCatalogue,
  validateCatalogueNotEmpty,
  validateDataEventResourceTypes,
  validateKeyAllowList,
  validateLogFilePrefix,
  validateLogLevel,
  validateOptionalIndexes,
  validateOrganizationId,
  validateTrailName,
} from './pipeline-props-validation';
import { DEFAULT_ML_DATA_EVENT_RESOURCE_TYPES } from './trail-event-selectors';

/** Memory of the ingest function: the reader streams, so its heap stays near 50-100 MB for any file size. */
export const DEFAULT_MEMORY_SIZE_MB = 512;
/** Timeout of the ingest function; one invocation reads up to ten log files. */
export const DEFAULT_TIMEOUT = Duration.minutes(5);
const DEFAULT_MAX_RECEIVE_COUNT = 5;
const DEFAULT_MAX_CONCURRENCY = 10;
/** S3 Object Lock's longest default retention: 100 years. */
const MAX_OBJECT_LOCK_DAYS = 36_500;
/** Time without an ingested log file before the heartbeat alarm: CloudTrail delivers about every 5 minutes. */
export const DEFAULT_HEARTBEAT_PERIOD = Duration.minutes(60);
/** Shortest heartbeat: CloudTrail may take up to 15 minutes to deliver a file. */
const MIN_HEARTBEAT_MINUTES = 15;
/** Longest heartbeat: CloudWatch evaluates an alarm over one day at most. */
const MAX_HEARTBEAT_MINUTES = 1440;

/** The pipeline's settings after validation and defaults. */
export interface Settings {
  readonly keyPrefix: string;
  readonly dataEventResourceTypes: readonly string[];
  readonly retentionDays: number;
  readonly logLevel: LogLevel;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly maxConcurrency: number;
  readonly maxReceiveCount: number;
  readonly heartbeatPeriod: Duration;
  /** The table's indexes: the default ones and the opt-in ones named. */
  readonly indexes: readonly IndexDefinition[];
}

/** Validates the props (every message names the bad value and the fix) and applies defaults. */
export function resolveSettings(props: MlTrailPipelineProps): Settings {
  if (props.existingLogBucket !== undefined) {
    const newTrailOnly = {
      trailName: props.trailName,
      isOrganizationTrail: props.isOrganizationTrail,
      organizationId: props.organizationId,
      mlDataEvents: props.mlDataEvents,
      logExpiration: props.logExpiration,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      encryptLogsWithKms: props.encryptLogsWithKms,
      breakGlassRoleArn: props.breakGlassRoleArn,
      objectLockRetentionDays: props.objectLockRetentionDays,
    };
    for (const [name, value] of Object.entries(newTrailOnly)) {
      if (value !== undefined) {
        throw new PipelinePropsError(
          `${name} applies only to the trail and log bucket this construct creates, but existingLogBucket ` +
            `is set: remove ${name}, or configure it on your existing trail or bucket.`,
        );
      }
    }
  } else if (props.logEncryptionKey !== undefined) {
    throw new PipelinePropsError(
      'logEncryptionKey is for the log files of an existing trail, but existingLogBucket is not set: the new ' +
        'trail encrypts with a key of its own (encryptLogsWithKms). Remove logEncryptionKey, or set existingLogBucket.',
    );
  }

  if (props.logFilePrefix !== undefined) {
    validateLogFilePrefix(props.logFilePrefix);
  }
  if (props.trailName !== undefined) {
    validateTrailName(props.trailName);
  }
  if (props.isOrganizationTrail) {
    if (props.organizationId === undefined) {
      throw new PipelinePropsError(
        'isOrganizationTrail is true but organizationId is not set: give the organization id ("o-...") so the ' +
          'bucket policy admits the organization log path AWSLogs/<organizationId>/.',
      );
    }
    validateOrganizationId(props.organizationId);
  } else if (props.organizationId !== undefined) {
    throw new PipelinePropsError(
      `organizationId "${props.organizationId}" is set but isOrganizationTrail is not: set isOrganizationTrail: ` +
        'true for an organization trail, or remove organizationId.',
    );
  }

  let dataEventResourceTypes: readonly string[] = [];
  if (props.mlDataEvents === true) {
    dataEventResourceTypes = DEFAULT_ML_DATA_EVENT_RESOURCE_TYPES;
  } else if (Array.isArray(props.mlDataEvents)) {
    validateDataEventResourceTypes(props.mlDataEvents);
    dataEventResourceTypes = props.mlDataEvents;
  }

  if (props.breakGlassRoleArn !== undefined) {
    validateBreakGlassRoleArn(props.breakGlassRoleArn);
  }
  if (props.objectLockRetentionDays !== undefined) {
    requireIntegerInRange('objectLockRetentionDays', props.objectLockRetentionDays, 1, MAX_OBJECT_LOCK_DAYS);
  }
  if (props.logExpiration !== undefined) {
    requireWholeDays('logExpiration', props.logExpiration, 'use Duration.days(n).');
  }
  const retentionDays =
    props.retention === undefined
      ? 0
      : requireWholeDays(
          'retention',
          props.retention,
          'use Duration.days(n), or leave it unset to keep events forever.',
        );
  if (props.serviceCatalogue !== undefined) {
    validateCatalogue('serviceCatalogue', props.serviceCatalogue);
  }
  if (props.extraServices !== undefined) {
    validateCatalogue('extraServices', props.extraServices);
  }
  validateCatalogueNotEmpty(props.serviceCatalogue, props.extraServices);
  const logLevel = props.logLevel ?? 'INFO';
  validateLogLevel(logLevel);
  if (props.writeConcurrency !== undefined) {
    requireIntegerInRange('writeConcurrency', props.writeConcurrency, 1, 100);
  }
  if (props.maxRecordBytes !== undefined) {
    requireIntegerInRange('maxRecordBytes', props.maxRecordBytes, 1024, 256 * 1024 * 1024);
  }
  if (props.maxLogFileBytes !== undefined) {
    requireIntegerInRange('maxLogFileBytes', props.maxLogFileBytes, 1024, Number.MAX_SAFE_INTEGER);
  }
  if (props.accessKeyIds !== undefined) {
    requireChoice('accessKeyIds', props.accessKeyIds, ACCESS_KEY_ID_POLICIES);
  }
  if (props.sourceIpAddresses !== undefined) {
    requireChoice('sourceIpAddresses', props.sourceIpAddresses, SOURCE_IP_ADDRESS_POLICIES);
  }
  if (props.requestParameterKeys !== undefined) {
    validateKeyAllowList('requestParameterKeys', props.requestParameterKeys);
  }
  if (props.responseElementKeys !== undefined) {
    validateKeyAllowList('responseElementKeys', props.responseElementKeys);
  }

  const memorySize = props.memorySize ?? DEFAULT_MEMORY_SIZE_MB;
  requireIntegerInRange('memorySize', memorySize, 128, 10_240);
  const timeout = props.timeout ?? DEFAULT_TIMEOUT;
  const timeoutSeconds = timeout.toSeconds({ integral: false });
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
    throw new PipelinePropsError(
      `Invalid timeout "${timeout.toHumanString()}": give whole seconds from 1 second to 15 minutes, Lambda's ` +
        'limits (for example Duration.minutes(5)).',
    );
  }
  const maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  requireIntegerInRange('maxConcurrency', maxConcurrency, 2, 1000);
  const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
  requireIntegerInRange('maxReceiveCount', maxReceiveCount, 1, 1000);

  const heartbeatPeriod = props.heartbeatPeriod ?? DEFAULT_HEARTBEAT_PERIOD;
  const heartbeatMinutes = heartbeatPeriod.toMinutes({ integral: false });
  if (
    !Number.isInteger(heartbeatMinutes) ||
    heartbeatMinutes < MIN_HEARTBEAT_MINUTES ||
    heartbeatMinutes > MAX_HEARTBEAT_MINUTES
  ) {
    throw new PipelinePropsError(
      `Invalid heartbeatPeriod "${heartbeatPeriod.toHumanString()}": give whole minutes from ` +
        `${MIN_HEARTBEAT_MINUTES} minutes to 1 day (for example Duration.minutes(60)).`,
    );
  }

  return {
    keyPrefix: props.logFilePrefix === undefined ? '' : `${props.logFilePrefix}/`,
    dataEventResourceTypes,
    retentionDays,
    logLevel,
    memorySize,
    timeout,
    maxConcurrency,
    maxReceiveCount,
    heartbeatPeriod,
    indexes: indexesOf(validateOptionalIndexes(props.optionalIndexes ?? [])),
  };
}
