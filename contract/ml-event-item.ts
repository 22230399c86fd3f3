/**
 * One normalized ML-service event as stored in the events table. This shape is a public
 * contract: the DynamoDB console, the CLI's `--json` output, the query module and stream
 * consumers read it. Absent values are left out, never stored as empty strings.
 *
 * Names are CloudTrail's own wherever the value is CloudTrail's (`eventID`, `requestID`,
 * `sourceIPAddress`, `recipientAccountId`; the `userIdentity` fields keep their own names,
 * flattened), so that habits from `jq`, Athena and the CloudTrail console carry over. Values
 * mltrail derives have names of their own (`service`, `principal`, `actor`, `resourceArn`).
 * No attribute is written twice: the index keys are made of these attributes (see
 * `table-schema.ts`).
 */
export interface MlEventItem {
  /** CloudTrail's eventID. The table's key. */
  readonly eventID: string;
  /**
   * eventTime in UTC as `YYYY-MM-DDTHH:MM:SSZ`, the form CloudTrail writes: the first sort key of
   * every index. A record that logged another form (a fraction, an offset) has it in
   * `eventTimeAsLogged` and `/eventTime` in changedPaths.
   */
  readonly eventTime: string;
  readonly eventTimeAsLogged?: string;
  /** Service short name from the catalogue, e.g. `forecast`. */
  readonly service: string;
  /** The index keys' shard: 0 for quiet services, `[0, MAX_KEY_SHARDS)` for busy ones (`key-shards.ts`). */
  readonly keyShard: number;
  readonly eventSource: string;
  readonly eventName: string;
  readonly eventVersion?: string;
  readonly eventType?: string;
  readonly eventCategory?: string;
  readonly readOnly?: boolean;
  readonly managementEvent?: boolean;
  readonly awsRegion?: string;
  /**
   * recipientAccountId as logged. A record without one (CloudTrail always writes it; some
   * exports drop it) gets the caller's account, else the account in the log file's key.
   */
  readonly recipientAccountId?: string;
  readonly requestID?: string;
  /** Links the copies of one action delivered to several accounts. */
  readonly sharedEventID?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly vpcEndpointId?: string;
  readonly vpcEndpointAccountId?: string;
  /** tlsDetails as logged: tlsVersion, cipherSuite, clientProvidedHostHeader. */
  readonly tlsDetails?: unknown;
  readonly errorCode?: string;
  readonly errorMessage?: string;

  /** The stable identity to group by; never empty (see the README's principal rules). */
  readonly principal: string;
  /** userIdentity.type, `Unknown` when absent. */
  readonly principalType: string;
  /** userIdentity.arn as logged (for a role session, the session's ARN). */
  readonly principalArn?: string;
  /** userIdentity.principalId. */
  readonly principalId?: string;
  /** userIdentity.accountId. */
  readonly principalAccountId?: string;
  /** userIdentity.userName. */
  readonly userName?: string;
  readonly accessKeyId?: string;
  /** userIdentity.invokedBy. */
  readonly invokedBy?: string;
  /** userIdentity.sessionContext.sourceIdentity. */
  readonly sourceIdentity?: string;
  /** userIdentity.sessionContext.attributes.creationDate: when the session began. */
  readonly sessionCreationDate?: string;
  readonly mfaAuthenticated?: boolean;
  /** IAM Identity Center: userIdentity.onBehalfOf.userId and its identity store. */
  readonly onBehalfOfUserId?: string;
  readonly identityStoreArn?: string;
  /**
   * The human behind the call (see the README's actor rules): sourceIdentity, else the
   * Identity Center user, else the role session or federated user name, else the IAM user name.
   */
  readonly actor?: string;

  /** The primary resource: the first ARN of `resourceArns`. */
  readonly resourceArn?: string;
  /** ARNs from `resources[]` (ARN or ARNPrefix), then ARN-valued response and request fields. */
  readonly resourceArns?: readonly string[];
  /** As logged, or a JSON string cut to fit the item size limit (then the flag below is set). */
  readonly requestParameters?: unknown;
  readonly requestParametersTruncated?: boolean;
  readonly responseElements?: unknown;
  readonly responseElementsTruncated?: boolean;
  readonly additionalEventData?: unknown;
  readonly additionalEventDataTruncated?: boolean;
  /**
   * JSON Pointers (RFC 6901) of the values stored other than as logged: a value DynamoDB cannot
   * hold (a number out of its range or past 38 digits, `-0`, a map with an empty key, nesting past
   * 32 levels, a string that is not well-formed Unicode) is stored as its JSON text, or within the
   * JSON text of the map holding it when its path is over 256 bytes, or of the whole payload when
   * the payload has more than 12 such values; a field too large for the item keeps its start.
   * Every path is listed, whole. Absent when everything is as logged.
   */
  readonly changedPaths?: readonly string[];
  /**
   * The log file the event came from: its S3 key in the trail bucket (the stack's `LogBucketName`),
   * or the `file://` URL of a file ingested from disk.
   */
  readonly logFile: string;
  /** Time to live, epoch seconds: eventTime + retention. Absent when retention is unlimited. */
  readonly expiresAt?: number;
}

/** What an index holds of an item: its keys and the list attributes (`LIST_ATTRIBUTES`). */
export type MlEventSummary = Pick<MlEventItem, 'eventID' | 'eventTime' | 'keyShard'> &
  Partial<
    Pick<
      MlEventItem,
      | 'service'
      | 'eventName'
      | 'principal'
      | 'principalType'
      | 'actor'
      | 'recipientAccountId'
      | 'awsRegion'
      | 'errorCode'
      | 'sourceIPAddress'
      | 'accessKeyId'
      | 'readOnly'
      | 'resourceArn'
    >
  >;
