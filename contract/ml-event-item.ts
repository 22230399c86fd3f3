/**
 * One normalized ML-service event as stored in the events table. This shape is a public
 * contract: the DynamoDB console, the CLI's `--json` output and stream consumers read it.
 * Absent values are left out, never stored as empty strings.
 */
export interface MlEventItem {
  /** Service short name from the catalogue, e.g. `forecast`. Table partition key. */
  readonly service: string;
  /**
   * `<eventTime as YYYY-MM-DDTHH:MM:SSZ>#<eventId>`. Sort key of the table and every index. Like
   * every key, a value over DynamoDB's limit keeps its start and ends in `…sha256:<digest>`.
   */
  readonly eventTimeId: string;
  /** `<service>:<eventName>`, e.g. `forecast:CreateDataset`. Partition key of `byEventName`. */
  readonly serviceEventName: string;
  readonly eventSource: string;
  readonly eventName: string;
  /** eventTime as logged. */
  readonly eventTime: string;
  readonly eventId: string;
  readonly requestId?: string;
  readonly eventVersion?: string;
  readonly eventType?: string;
  readonly eventCategory?: string;
  readonly readOnly?: boolean;
  readonly managementEvent?: boolean;
  readonly awsRegion?: string;
  /** recipientAccountId, else the caller's account, else the account in the log file's key. */
  readonly accountId?: string;
  /** The stable identity to group by; never empty (see the README's principal rules). */
  readonly principal: string;
  /** userIdentity.type, `Unknown` when absent. */
  readonly principalType: string;
  /** userIdentity.arn as logged. */
  readonly principalArn?: string;
  readonly principalAccountId?: string;
  /** Role session or federated-user name. */
  readonly sessionName?: string;
  readonly userName?: string;
  readonly accessKeyId?: string;
  readonly mfaAuthenticated?: boolean;
  readonly invokedBy?: string;
  readonly sourceIpAddress?: string;
  readonly userAgent?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** ARNs from `resources[]` (ARN or ARNPrefix) and ARN-valued request and response fields. */
  readonly resources?: readonly string[];
  /** As logged, or a JSON string cut to fit the item size limit (then the flag below is set). */
  readonly requestParameters?: unknown;
  readonly requestParametersTruncated?: boolean;
  readonly responseElements?: unknown;
  readonly responseElementsTruncated?: boolean;
  /**
   * JSON Pointers (RFC 6901) of the values stored other than as logged: a value DynamoDB cannot
   * hold (a number out of its range or past 38 digits, `-0`, a map with an empty key, nesting past
   * 32 levels, a string that is not well-formed Unicode) is stored as its JSON text, or within the
   * JSON text of the map holding it when its path is over 256 bytes, or of the whole payload when
   * the payload has more than 12 such values; a field too large for the item keeps its start.
   * Every path is listed, whole. Absent when everything is as logged.
   */
  readonly changedPaths?: readonly string[];
  /** `s3://bucket/key` of the log file the event came from. */
  readonly logFile: string;
  /** Time to live, epoch seconds: eventTime + retention. Absent when retention is unlimited. */
  readonly expiresAt?: number;
}
