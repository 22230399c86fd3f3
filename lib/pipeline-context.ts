import { Duration } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  type DetectionSettings,
  DetectionSettingsError,
  validateDetectionSettings,
} from '../contract/detection-settings';
import type { AccessKeyIdPolicy, SourceIpAddressPolicy } from '../contract/environment';
import { nearNames } from '../contract/near-names';
import { OPTIONAL_INDEXES_CONTEXT_KEY, type OptionalIndexName } from '../contract/table-schema';
import type { MlTrailPipelineProps } from './mltrail-pipeline';
import { type LogLevel, PipelinePropsError } from './pipeline-props-validation';

/**
 * Context keys the stack reads (`-c key=value` or `cdk.json`), each mapped to a construct prop.
 * Values given on the command line arrive as strings and are parsed here.
 */
export const CONTEXT_KEYS = {
  existingLogBucketName: 'existingLogBucketName',
  existingLogBucketAccount: 'existingLogBucketAccount',
  logFilePrefix: 'logFilePrefix',
  logEncryptionKeyArn: 'logEncryptionKeyArn',
  encryptLogsWithKms: 'encryptLogsWithKms',
  breakGlassRoleArn: 'breakGlassRoleArn',
  objectLockRetentionDays: 'objectLockRetentionDays',
  trailName: 'trailName',
  organizationId: 'organizationId',
  mlDataEvents: 'mlDataEvents',
  logExpirationDays: 'logExpirationDays',
  retentionDays: 'retentionDays',
  serviceCatalogue: 'serviceCatalogue',
  extraServices: 'extraServices',
  logLevel: 'logLevel',
  writeConcurrency: 'writeConcurrency',
  maxRecordBytes: 'maxRecordBytes',
  maxLogFileBytes: 'maxLogFileBytes',
  memorySize: 'memorySize',
  timeoutSeconds: 'timeoutSeconds',
  maxConcurrency: 'maxConcurrency',
  deletionProtection: 'deletionProtection',
  alarmTopicArn: 'alarmTopicArn',
  heartbeatMinutes: 'heartbeatMinutes',
  createDashboard: 'createDashboard',
  accessKeyIds: 'accessKeyIds',
  sourceIpAddresses: 'sourceIpAddresses',
  requestParameterKeys: 'requestParameterKeys',
  responseElementKeys: 'responseElementKeys',
  optionalIndexes: OPTIONAL_INDEXES_CONTEXT_KEY,
  detections: 'detections',
} as const;

/**
 * Fails on a context key that looks like one of ours but is not (`retentionDay`): a misspelled key
 * would otherwise be ignored and its setting silently left at the default (`keep forever`). Keys
 * far from ours are left alone; they may be another app's or the CDK's.
 */
function rejectMistypedContextKeys(scope: Construct): void {
  const ours = Object.values(CONTEXT_KEYS) as string[];
  for (const key of Object.keys(scope.node.getAllContext())) {
    if (ours.includes(key)) continue;
    const near = nearNames(key, ours);
    if (near.length > 0) {
      throw new PipelinePropsError(
        `Unknown context key ${key}: did you mean ${near.join(' or ')}? (mltrail's keys are listed in the README, Deploy)`,
      );
    }
  }
}

/**
 * Builds the pipeline's props from context. `organizationId` alone turns the trail into an
 * organization trail; `existingLogBucketName` switches to an existing trail's bucket.
 */
export function pipelinePropsFromContext(scope: Construct): MlTrailPipelineProps {
  rejectMistypedContextKeys(scope);
  const context = new ContextReader(scope);
  const existingLogBucketName = context.string(CONTEXT_KEYS.existingLogBucketName);
  const existingLogBucketAccount = context.string(CONTEXT_KEYS.existingLogBucketAccount);
  if (existingLogBucketAccount !== undefined && existingLogBucketName === undefined) {
    throw new PipelinePropsError(
      `${CONTEXT_KEYS.existingLogBucketAccount} is set but ${CONTEXT_KEYS.existingLogBucketName} is not: give the ` +
        'name of the bucket that account owns, or remove the account.',
    );
  }
  const logEncryptionKeyArn = context.string(CONTEXT_KEYS.logEncryptionKeyArn);
  const organizationId = context.string(CONTEXT_KEYS.organizationId);
  const alarmTopicArn = context.string(CONTEXT_KEYS.alarmTopicArn);
  const logExpirationDays = context.integer(CONTEXT_KEYS.logExpirationDays);
  const retentionDays = context.integer(CONTEXT_KEYS.retentionDays);
  const timeoutSeconds = context.integer(CONTEXT_KEYS.timeoutSeconds);
  const heartbeatMinutes = context.integer(CONTEXT_KEYS.heartbeatMinutes);

  return {
    existingLogBucket:
      existingLogBucketName === undefined
        ? undefined
        : Bucket.fromBucketAttributes(scope, 'ExistingLogBucket', {
            bucketName: existingLogBucketName,
            // The bucket's owner: the queue policy, the read grant and ExpectedBucketOwner name it.
            account: existingLogBucketAccount,
          }),
    logFilePrefix: context.string(CONTEXT_KEYS.logFilePrefix),
    logEncryptionKey:
      logEncryptionKeyArn === undefined
        ? undefined
        : Key.fromKeyArn(scope, 'LogEncryptionKey', logEncryptionKeyArn),
    encryptLogsWithKms: context.boolean(CONTEXT_KEYS.encryptLogsWithKms),
    breakGlassRoleArn: context.string(CONTEXT_KEYS.breakGlassRoleArn),
    objectLockRetentionDays: context.integer(CONTEXT_KEYS.objectLockRetentionDays),
    trailName: context.string(CONTEXT_KEYS.trailName),
    isOrganizationTrail: organizationId === undefined ? undefined : true,
    organizationId,
    mlDataEvents: context.dataEvents(CONTEXT_KEYS.mlDataEvents),
    logExpiration: logExpirationDays === undefined ? undefined : Duration.days(logExpirationDays),
    retention: retentionDays === undefined ? undefined : Duration.days(retentionDays),
    serviceCatalogue: context.stringMap(CONTEXT_KEYS.serviceCatalogue),
    extraServices: context.stringMap(CONTEXT_KEYS.extraServices),
    logLevel: context.string(CONTEXT_KEYS.logLevel)?.toUpperCase() as LogLevel | undefined,
    writeConcurrency: context.integer(CONTEXT_KEYS.writeConcurrency),
    maxRecordBytes: context.integer(CONTEXT_KEYS.maxRecordBytes),
    maxLogFileBytes: context.integer(CONTEXT_KEYS.maxLogFileBytes),
    accessKeyIds: context.string(CONTEXT_KEYS.accessKeyIds) as AccessKeyIdPolicy | undefined,
    sourceIpAddresses: context.string(CONTEXT_KEYS.sourceIpAddresses) as SourceIpAddressPolicy | undefined,
    requestParameterKeys: context.stringList(CONTEXT_KEYS.requestParameterKeys),
    responseElementKeys: context.stringList(CONTEXT_KEYS.responseElementKeys),
    optionalIndexes: context.stringList(CONTEXT_KEYS.optionalIndexes) as OptionalIndexName[] | undefined,
    memorySize: context.integer(CONTEXT_KEYS.memorySize),
    timeout: timeoutSeconds === undefined ? undefined : Duration.seconds(timeoutSeconds),
    maxConcurrency: context.integer(CONTEXT_KEYS.maxConcurrency),
    deletionProtection: context.boolean(CONTEXT_KEYS.deletionProtection),
    alarmTopic:
      alarmTopicArn === undefined ? undefined : Topic.fromTopicArn(scope, 'AlarmTopic', alarmTopicArn),
    heartbeatPeriod: heartbeatMinutes === undefined ? undefined : Duration.minutes(heartbeatMinutes),
    detections: context.detections(CONTEXT_KEYS.detections),
  };
}

class ContextReader {
  constructor(private readonly scope: Construct) {}

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'string' || value === '') {
      throw invalid(key, value, 'a non-empty string');
    }
    return value;
  }

  integer(key: string): number | undefined {
    const value = this.raw(key);
    if (value === undefined) {
      return undefined;
    }
    const parsed = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof parsed !== 'number' || !Number.isInteger(parsed)) {
      throw invalid(key, value, 'a whole number');
    }
    return parsed;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined || typeof value === 'boolean') {
      return value;
    }
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    throw invalid(key, value, 'true or false');
  }

  /** `true`/`false`, a JSON array, or comma-separated resource types. */
  dataEvents(key: string): boolean | readonly string[] | undefined {
    const value = this.raw(key);
    if (value === undefined || typeof value === 'boolean') {
      return value;
    }
    if (value === 'true' || value === 'false') {
      return value === 'true';
    }
    const list =
      typeof value === 'string' && !value.startsWith('[') ? value.split(',') : parseJson(key, value);
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
      throw invalid(
        key,
        value,
        'true, false or resource types such as AWS::Bedrock::Model,AWS::SageMaker::Endpoint',
      );
    }
    return list.map((item) => item.trim());
  }

  /** A JSON array of strings, or comma-separated names (`modelId,guardrailIdentifier`). */
  stringList(key: string): readonly string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) {
      return undefined;
    }
    const list =
      typeof value === 'string' && !value.startsWith('[')
        ? value.split(',').map((item) => item.trim())
        : parseJson(key, value);
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item !== '')) {
      throw invalid(
        key,
        value,
        'a JSON array of key names, or names separated by commas, such as modelId,roleArn',
      );
    }
    return list;
  }

  /** `true`, `false`, or a JSON object of rule settings (`{"access-denied-burst":{"threshold":20}}`). */
  detections(key: string): boolean | DetectionSettings | undefined {
    const value = this.raw(key);
    if (value === undefined || typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    const parsed = parseJson(key, value);
    try {
      validateDetectionSettings(parsed, key);
    } catch (error) {
      if (error instanceof DetectionSettingsError) {
        throw new PipelinePropsError(`Invalid context value ${key}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    return parsed;
  }

  /** A JSON object of strings, given as an object in cdk.json or as a JSON string. */
  stringMap(key: string): Record<string, string> | undefined {
    const value = this.raw(key);
    if (value === undefined) {
      return undefined;
    }
    const parsed = parseJson(key, value);
    const isStringMap =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((item) => typeof item === 'string');
    if (!isStringMap) {
      throw invalid(key, value, 'a JSON object of strings such as {"forecast.amazonaws.com":"forecast"}');
    }
    return parsed as Record<string, string>;
  }

  private raw(key: string): unknown {
    return this.scope.node.tryGetContext(key);
  }
}

function parseJson(key: string, value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new PipelinePropsError(`Invalid context value ${key}=${value}: it is not valid JSON.`, {
      cause: error,
    });
  }
}

function invalid(key: string, value: unknown, expected: string): PipelinePropsError {
  return new PipelinePropsError(
    `Invalid context value ${key}=${JSON.stringify(value)}: expected ${expected}, set with -c ${key}=<value> ` +
      'or in the context of cdk.json.',
  );
}
