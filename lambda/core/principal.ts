import { SESSION_CONTEXT_FIELDS, USER_IDENTITY_FIELDS } from '../../contract/cloudtrail-fields';
import type { MlEventItem } from '../../contract/ml-event-item';
import {
  asBoolean,
  asObject,
  asText,
  compact,
  field,
  type JsonObject,
  LoggedNames,
  objectField,
  textField,
} from './json-fields';

/** Who made a call, as stored on an item. */
export type PrincipalFields = Pick<
  MlEventItem,
  | 'principal'
  | 'principalType'
  | 'principalArn'
  | 'principalId'
  | 'principalAccountId'
  | 'userName'
  | 'accessKeyId'
  | 'invokedBy'
  | 'sourceIdentity'
  | 'sessionCreationDate'
  | 'mfaAuthenticated'
  | 'onBehalfOfUserId'
  | 'identityStoreArn'
  | 'actor'
>;

const UNKNOWN_PRINCIPAL = 'unknown';
const ASSUMED_ROLE_ARN = /^arn:([^:]+):sts::([^:]*):assumed-role\/([^/]+)\/(.+)$/;
const FEDERATED_USER_ARN = /^arn:([^:]+):sts::[^:]*:federated-user\/(.+)$/;

/** The partition of an ARN, else of a Region name (`cn-*`, `us-gov-*`, `eu-isoe-*`...), else `aws`. */
export function partitionOf(arn: string | undefined, region: string | undefined): string {
  const fromArn = arn?.startsWith('arn:') ? arn.split(':')[1] : undefined;
  if (fromArn) return fromArn;
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  if (region?.startsWith('us-isob-')) return 'aws-iso-b';
  if (region?.startsWith('us-iso-')) return 'aws-iso';
  if (region?.startsWith('eu-isoe-')) return 'aws-iso-e';
  return 'aws';
}

/**
 * The userIdentity fields the principal and actor rules read, each looked up once: a lookup of a
 * field the identity lacks looks through all its keys (see `field`), and the rules ask for most
 * fields several times.
 */
interface IdentityFields {
  readonly identity: JsonObject | undefined;
  readonly type: string | undefined;
  readonly arn: string | undefined;
  readonly principalId: string | undefined;
  readonly accountId: string | undefined;
  readonly userName: string | undefined;
  readonly accessKeyId: string | undefined;
  readonly invokedBy: string | undefined;
  readonly sessionIssuerArn: string | undefined;
  readonly sourceIdentity: string | undefined;
  readonly sessionAttributes: JsonObject | undefined;
  readonly onBehalfOfUserId: string | undefined;
  readonly identityStoreArn: string | undefined;
}

const IDENTITY_NAMES = new LoggedNames(USER_IDENTITY_FIELDS);
const SESSION_CONTEXT_NAMES = new LoggedNames(SESSION_CONTEXT_FIELDS);

function readIdentityFields(logged: JsonObject | undefined): IdentityFields {
  const identity = IDENTITY_NAMES.read(logged);
  const sessionContext = SESSION_CONTEXT_NAMES.read(asObject(identity?.sessionContext));
  const onBehalfOf = asObject(identity?.onBehalfOf);
  return {
    identity,
    type: asText(identity?.type),
    arn: asText(identity?.arn),
    principalId: asText(identity?.principalId),
    accountId: asText(identity?.accountId),
    userName: asText(identity?.userName),
    accessKeyId: asText(identity?.accessKeyId),
    invokedBy: asText(identity?.invokedBy),
    sessionIssuerArn: textField(objectField(sessionContext, 'sessionIssuer'), 'arn'),
    sourceIdentity: asText(sessionContext?.sourceIdentity),
    sessionAttributes: objectField(sessionContext, 'attributes'),
    onBehalfOfUserId: textField(onBehalfOf, 'userId'),
    identityStoreArn: textField(onBehalfOf, 'identityStoreArn'),
  };
}

function fallbackPrincipal(fields: IdentityFields): string {
  return (
    fields.arn ??
    fields.principalId ??
    fields.userName ??
    fields.invokedBy ??
    fields.accountId ??
    UNKNOWN_PRINCIPAL
  );
}

/** The role of an assumed-role session ARN (`arn:aws:sts::1:assumed-role/Role/session`), else undefined. */
export function roleArnOfSessionArn(arn: string): string | undefined {
  const match = ASSUMED_ROLE_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, account, role] = match;
  return `arn:${partition}:iam::${account}:role/${role}`;
}

function roleOfAssumedRole(fields: IdentityFields): string | undefined {
  if (fields.sessionIssuerArn) return fields.sessionIssuerArn;
  return roleArnOfSessionArn(fields.arn ?? '');
}

function selectPrincipal(fields: IdentityFields, region?: string): string {
  switch (fields.type) {
    case 'IAMUser':
    case 'Root':
    case 'Role':
      return fields.arn ?? fallbackPrincipal(fields);
    case 'AssumedRole':
      return roleOfAssumedRole(fields) ?? fallbackPrincipal(fields);
    case 'FederatedUser':
      return fields.sessionIssuerArn ?? fallbackPrincipal(fields);
    case 'AWSService':
      return fields.invokedBy ?? fallbackPrincipal(fields);
    case 'AWSAccount': {
      const { accountId } = fields;
      // `ANONYMOUS_PRINCIPAL` and `anonymous` name no account: kept as logged, not made a root ARN.
      if (accountId === 'ANONYMOUS_PRINCIPAL' || accountId === 'anonymous') return accountId;
      if (accountId) return `arn:${partitionOf(undefined, region)}:iam::${accountId}:root`;
      return fallbackPrincipal(fields);
    }
    case 'IdentityCenterUser': {
      const { identityStoreArn, onBehalfOfUserId } = fields;
      return identityStoreArn && onBehalfOfUserId
        ? `${identityStoreArn}/user/${onBehalfOfUserId}`
        : fallbackPrincipal(fields);
    }
    case 'SAMLUser':
    case 'WebIdentityUser': {
      const provider = asText(fields.identity?.identityProvider);
      const { userName } = fields;
      return provider && userName ? `${provider}/${userName}` : fallbackPrincipal(fields);
    }
    default:
      return fallbackPrincipal(fields);
  }
}

function sessionNameOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  return ASSUMED_ROLE_ARN.exec(arn)?.[4] ?? FEDERATED_USER_ARN.exec(arn)?.[2];
}

// Callers that are no person: an AWS service, an account's root, another account as a whole.
const NOT_A_PERSON = new Set(['AWSService', 'Root', 'AWSAccount']);

function actorOfFields(type: string | undefined, fields: IdentityFields): string | undefined {
  if (type !== undefined && NOT_A_PERSON.has(type)) return undefined;
  if (fields.sourceIdentity) return fields.sourceIdentity;
  if (fields.onBehalfOfUserId) return fields.onBehalfOfUserId;
  if (type === 'IdentityCenterUser') return fields.userName;
  const sessionName = sessionNameOf(fields.arn);
  if (sessionName) return sessionName;
  if (type === 'IAMUser' || type === 'SAMLUser' || type === 'WebIdentityUser') return fields.userName;
  return undefined;
}

/**
 * The human behind a call (the README's actor rules): sourceIdentity, else the Identity Center
 * user, else the role session or federated user name, else the IAM user name, else the SAML or
 * web identity user name; absent for services, root, accounts and shapes that name no person.
 */
export function actorOf(type: string | undefined, identity: JsonObject | undefined): string | undefined {
  return actorOfFields(type, readIdentityFields(identity));
}

/** {@link PrincipalFields} with every field present, those the identity does not give undefined. */
export type PrincipalFieldsRead = { readonly [K in PrincipalFieldName]: PrincipalFields[K] | undefined };
type PrincipalFieldName = keyof PrincipalFields;

/**
 * {@link toPrincipalFields} with absent fields present as undefined, in the same order: for a
 * caller that copies the fields it wants, without the copy that leaves the absent ones out.
 */
export function readPrincipalFields(identity: JsonObject | undefined, region?: string): PrincipalFieldsRead {
  const fields = readIdentityFields(identity);
  const { type, sessionAttributes } = fields;
  return {
    principal: selectPrincipal(fields, region),
    principalType: type ?? 'Unknown',
    principalArn: fields.arn,
    principalId: fields.principalId,
    principalAccountId: fields.accountId,
    userName: fields.userName,
    accessKeyId: fields.accessKeyId,
    invokedBy: fields.invokedBy,
    sourceIdentity: fields.sourceIdentity,
    sessionCreationDate: textField(sessionAttributes, 'creationDate'),
    mfaAuthenticated: asBoolean(field(sessionAttributes, 'mfaAuthenticated')),
    onBehalfOfUserId: fields.onBehalfOfUserId,
    identityStoreArn: fields.identityStoreArn,
    actor: actorOfFields(type, fields),
  };
}

/** The caller of a record, from its `userIdentity` (which may be absent or oddly shaped). */
export function toPrincipalFields(identity: JsonObject | undefined, region?: string): PrincipalFields {
  return compact(readPrincipalFields(identity, region)) as PrincipalFields;
}
