/**
 * The member names of CloudTrail records, as CloudTrail documents them (its record contents and
 * userIdentity element), in their logged case: what the normalizer reads by name and what the
 * CLI restores from CloudTrail Lake's lower-cased results.
 */

/** The top-level members of a record. */
export const RECORD_FIELDS = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'requestID',
  'eventID',
  'readOnly',
  'resources',
  'eventType',
  'apiVersion',
  'managementEvent',
  'recipientAccountId',
  'serviceEventDetails',
  'sharedEventID',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'eventCategory',
  'addendum',
  'sessionCredentialFromConsole',
  'edgeDeviceDetails',
  'tlsDetails',
  'insightDetails',
] as const;

/** The members of a record's userIdentity. */
export const USER_IDENTITY_FIELDS = [
  'type',
  'principalId',
  'arn',
  'accountId',
  'accessKeyId',
  'userName',
  'sessionContext',
  'invokedBy',
  'identityProvider',
  'onBehalfOf',
  'credentialId',
  'inScopeOf',
] as const;

/** The members of a userIdentity's sessionContext. */
export const SESSION_CONTEXT_FIELDS = [
  'sessionIssuer',
  'webIdFederationData',
  'attributes',
  'sourceIdentity',
  'ec2RoleDelivery',
  'ec2IssuedInVPC',
  'assumedRoot',
] as const;
