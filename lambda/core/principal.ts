import type { MlEventItem } from '../../contract/ml-event-item';
import { asBoolean, compact, field, type JsonObject, objectField, textField } from './json-fields';

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

function fallbackPrincipal(identity: JsonObject | undefined): string {
  return (
    textField(identity, 'arn') ??
    textField(identity, 'principalId') ??
    textField(identity, 'userName') ??
    textField(identity, 'invokedBy') ??
    textField(identity, 'accountId') ??
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

function roleOfAssumedRole(identity: JsonObject | undefined): string | undefined {
  const issuer = objectField(objectField(identity, 'sessionContext'), 'sessionIssuer');
  const issuerArn = textField(issuer, 'arn');
  if (issuerArn) return issuerArn;
  return roleArnOfSessionArn(textField(identity, 'arn') ?? '');
}

function selectPrincipal(
  type: string | undefined,
  identity: JsonObject | undefined,
  region?: string,
): string {
  switch (type) {
    case 'IAMUser':
    case 'Root':
    case 'Role':
      return textField(identity, 'arn') ?? fallbackPrincipal(identity);
    case 'AssumedRole':
      return roleOfAssumedRole(identity) ?? fallbackPrincipal(identity);
    case 'FederatedUser':
      return (
        textField(objectField(objectField(identity, 'sessionContext'), 'sessionIssuer'), 'arn') ??
        fallbackPrincipal(identity)
      );
    case 'AWSService':
      return textField(identity, 'invokedBy') ?? fallbackPrincipal(identity);
    case 'AWSAccount': {
      const accountId = textField(identity, 'accountId');
      // `ANONYMOUS_PRINCIPAL` and `anonymous` name no account: kept as logged, not made a root ARN.
      if (accountId === 'ANONYMOUS_PRINCIPAL' || accountId === 'anonymous') return accountId;
      if (accountId) return `arn:${partitionOf(undefined, region)}:iam::${accountId}:root`;
      return fallbackPrincipal(identity);
    }
    case 'IdentityCenterUser': {
      const onBehalfOf = objectField(identity, 'onBehalfOf');
      const store = textField(onBehalfOf, 'identityStoreArn');
      const userId = textField(onBehalfOf, 'userId');
      return store && userId ? `${store}/user/${userId}` : fallbackPrincipal(identity);
    }
    case 'SAMLUser':
    case 'WebIdentityUser': {
      const provider = textField(identity, 'identityProvider');
      const userName = textField(identity, 'userName');
      return provider && userName ? `${provider}/${userName}` : fallbackPrincipal(identity);
    }
    default:
      return fallbackPrincipal(identity);
  }
}

function sessionNameOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  return ASSUMED_ROLE_ARN.exec(arn)?.[4] ?? FEDERATED_USER_ARN.exec(arn)?.[2];
}

// Callers that are no person: an AWS service, an account's root, another account as a whole.
const NOT_A_PERSON = new Set(['AWSService', 'Root', 'AWSAccount']);

/**
 * The human behind a call (the README's actor rules): sourceIdentity, else the Identity Center
 * user, else the role session or federated user name, else the IAM user name, else the SAML or
 * web identity user name; absent for services, root, accounts and shapes that name no person.
 */
export function actorOf(type: string | undefined, identity: JsonObject | undefined): string | undefined {
  if (type !== undefined && NOT_A_PERSON.has(type)) return undefined;
  const sessionContext = objectField(identity, 'sessionContext');
  const sourceIdentity = textField(sessionContext, 'sourceIdentity');
  if (sourceIdentity) return sourceIdentity;
  const onBehalfOfUser = textField(objectField(identity, 'onBehalfOf'), 'userId');
  if (onBehalfOfUser) return onBehalfOfUser;
  if (type === 'IdentityCenterUser') return textField(identity, 'userName');
  const sessionName = sessionNameOf(textField(identity, 'arn'));
  if (sessionName) return sessionName;
  if (type === 'IAMUser' || type === 'SAMLUser' || type === 'WebIdentityUser')
    return textField(identity, 'userName');
  return undefined;
}

function sessionAttributesOf(identity: JsonObject | undefined): JsonObject | undefined {
  return objectField(objectField(identity, 'sessionContext'), 'attributes');
}

/** The caller of a record, from its `userIdentity` (which may be absent or oddly shaped). */
export function toPrincipalFields(identity: JsonObject | undefined, region?: string): PrincipalFields {
  const type = textField(identity, 'type');
  const onBehalfOf = objectField(identity, 'onBehalfOf');
  return compact({
    principal: selectPrincipal(type, identity, region),
    principalType: type ?? 'Unknown',
    principalArn: textField(identity, 'arn'),
    principalId: textField(identity, 'principalId'),
    principalAccountId: textField(identity, 'accountId'),
    userName: textField(identity, 'userName'),
    accessKeyId: textField(identity, 'accessKeyId'),
    invokedBy: textField(identity, 'invokedBy'),
    sourceIdentity: textField(objectField(identity, 'sessionContext'), 'sourceIdentity'),
    sessionCreationDate: textField(sessionAttributesOf(identity), 'creationDate'),
    mfaAuthenticated: asBoolean(field(sessionAttributesOf(identity), 'mfaAuthenticated')),
    onBehalfOfUserId: textField(onBehalfOf, 'userId'),
    identityStoreArn: textField(onBehalfOf, 'identityStoreArn'),
    actor: actorOf(type, identity),
  });
}
