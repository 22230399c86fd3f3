import { describe, expect, it } from 'vitest';
import { asObject } from '../../lambda/core/json-fields';
import { partitionOf, toPrincipalFields } from '../../lambda/core/principal';
import {
  itOverSharedSamples,
  readRealRecords,
  readRealUserIdentities,
  readSharedJsonl,
} from '../support/factories';

function expectEveryPrincipalNamed(identities: readonly unknown[]): void {
  for (const identity of identities) {
    const { principal } = toPrincipalFields(asObject(identity));
    expect(typeof principal).toBe('string');
    expect(principal.length, JSON.stringify(identity)).toBeGreaterThan(0);
  }
}

describe('toPrincipalFields', () => {
  it.each([
    [
      'IAMUser: the user ARN',
      {
        type: 'IAMUser',
        arn: 'arn:aws:iam::123456789012:user/Alice',
        accountId: '123456789012',
        userName: 'Alice',
      },
      'arn:aws:iam::123456789012:user/Alice',
    ],
    [
      'Root: the root ARN',
      { type: 'Root', arn: 'arn:aws:iam::123456789012:root' },
      'arn:aws:iam::123456789012:root',
    ],
    [
      'Role: the role ARN',
      { type: 'Role', arn: 'arn:aws:iam::123456789012:role/R' },
      'arn:aws:iam::123456789012:role/R',
    ],
    [
      'AssumedRole: the session issuer',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::123456789012:assumed-role/Admin/MyUser',
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::123456789012:role/Admin' } },
      },
      'arn:aws:iam::123456789012:role/Admin',
    ],
    [
      'AssumedRole with an empty issuer: the role derived from the assumed-role ARN',
      {
        type: 'AssumedRole',
        arn: 'arn:aws-cn:sts::123456789012:assumed-role/Builder/i-0abc',
        sessionContext: { sessionIssuer: {} },
      },
      'arn:aws-cn:iam::123456789012:role/Builder',
    ],
    [
      'FederatedUser: the IAM user that federated',
      {
        type: 'FederatedUser',
        arn: 'arn:aws:sts::123456789012:federated-user/Bob',
        sessionContext: { sessionIssuer: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/Broker' } },
      },
      'arn:aws:iam::123456789012:user/Broker',
    ],
    [
      'FederatedUser without an issuer: its own ARN',
      { type: 'FederatedUser', arn: 'arn:aws:sts::123456789012:federated-user/Bob' },
      'arn:aws:sts::123456789012:federated-user/Bob',
    ],
    [
      'AWSService: invokedBy',
      { type: 'AWSService', invokedBy: 'sagemaker.amazonaws.com' },
      'sagemaker.amazonaws.com',
    ],
    [
      'AWSAccount: the account root',
      { type: 'AWSAccount', principalId: 'AIDAEXAMPLE', accountId: '111122223333' },
      'arn:aws:iam::111122223333:root',
    ],
    [
      'AWSAccount anonymous: as logged',
      { type: 'AWSAccount', accountId: 'ANONYMOUS_PRINCIPAL' },
      'ANONYMOUS_PRINCIPAL',
    ],
    [
      'AWSAccount with accountId anonymous: as logged, no root ARN',
      { type: 'AWSAccount', accountId: 'anonymous' },
      'anonymous',
    ],
    [
      'a principal that is no ARN (<REDACTED>): stored as is',
      { type: 'IAMUser', arn: '<REDACTED>' },
      '<REDACTED>',
    ],
    [
      'IdentityCenterUser: identity store and user id',
      {
        type: 'IdentityCenterUser',
        accountId: '123456789012',
        onBehalfOf: {
          userId: '544894e8-80c1-707f-60e3-3ba6510dfac1',
          identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7',
        },
      },
      'arn:aws:identitystore::123456789012:identitystore/d-9067642ac7/user/544894e8-80c1-707f-60e3-3ba6510dfac1',
    ],
    [
      'SAMLUser: provider and user name',
      {
        type: 'SAMLUser',
        principalId: 'x',
        userName: 'alice@example.com',
        identityProvider: 'bdGOnTesti4+ZGZ1nBYA=',
      },
      'bdGOnTesti4+ZGZ1nBYA=/alice@example.com',
    ],
    [
      'WebIdentityUser: provider and user name',
      { type: 'WebIdentityUser', userName: 'amzn1.account.X', identityProvider: 'www.amazon.com' },
      'www.amazon.com/amzn1.account.X',
    ],
    [
      'Unknown: the principalId',
      { type: 'Unknown', principalId: 'AIDAEXAMPLE', accountId: '1' },
      'AIDAEXAMPLE',
    ],
    ['Directory: the userName', { type: 'Directory', userName: 'dir-user' }, 'dir-user'],
    ['no type, only an account: the account', { accountId: '123456789012' }, '123456789012'],
    [
      'no type, AWS Internal: invokedBy',
      { accountId: '123456789012', invokedBy: 'AWS Internal' },
      'AWS Internal',
    ],
    ['case-variant keys: still found', { type: 'Unknown', principalid: 'AIDAVARIANT' }, 'AIDAVARIANT'],
    ['nothing at all: unknown', undefined, 'unknown'],
    ['an empty arn: skipped for the next field', { type: 'IAMUser', arn: '', userName: 'bob' }, 'bob'],
  ])('%s', (_name, identity, principal) => {
    expect(toPrincipalFields(identity as Record<string, unknown> | undefined).principal).toBe(principal);
  });

  it('keeps the identity details as logged, leaving out what is absent', () => {
    const fields = toPrincipalFields({
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:MyUser',
      arn: 'arn:aws:sts::123456789012:assumed-role/Admin/MyUser',
      accountId: '123456789012',
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/Admin' },
        attributes: { mfaAuthenticated: 'true' },
      },
    });

    expect(fields).toEqual({
      principal: 'arn:aws:iam::123456789012:role/Admin',
      principalType: 'AssumedRole',
      principalArn: 'arn:aws:sts::123456789012:assumed-role/Admin/MyUser',
      principalId: 'AROAEXAMPLE:MyUser',
      principalAccountId: '123456789012',
      accessKeyId: 'ASIAEXAMPLE',
      mfaAuthenticated: true,
      actor: 'MyUser',
    });
  });

  it.each([
    [
      'sourceIdentity first',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::1:assumed-role/R/session',
        onBehalfOf: { userId: 'u-1' },
        sessionContext: { sourceIdentity: 'alice' },
      },
      'alice',
    ],
    [
      'then the Identity Center user behind a role session',
      { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/R/session', onBehalfOf: { userId: 'u-1' } },
      'u-1',
    ],
    ['then an IdentityCenterUser userName', { type: 'IdentityCenterUser', userName: 'bob' }, 'bob'],
    [
      'then the role session name',
      { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/R/carol' },
      'carol',
    ],
    [
      'then the federated user name',
      { type: 'FederatedUser', arn: 'arn:aws:sts::1:federated-user/dave' },
      'dave',
    ],
    [
      'then the IAM user name',
      { type: 'IAMUser', arn: 'arn:aws:iam::1:user/erin', userName: 'erin' },
      'erin',
    ],
    ['then a SAML user name', { type: 'SAMLUser', userName: 'frank@example.com' }, 'frank@example.com'],
    [
      'then a web identity user name',
      { type: 'WebIdentityUser', userName: 'amzn1.account.G' },
      'amzn1.account.G',
    ],
  ])('names the actor: %s', (_name, identity, actor) => {
    expect(toPrincipalFields(identity).actor).toBe(actor);
  });

  it.each([
    ['an AWS service', { type: 'AWSService', invokedBy: 'sagemaker.amazonaws.com' }],
    ['the root user', { type: 'Root', arn: 'arn:aws:iam::1:root', userName: 'root-name' }],
    ['another account', { type: 'AWSAccount', accountId: '1', principalId: 'AIDA' }],
    ['an unknown shape', { type: 'Unknown', principalId: 'AIDA', userName: 'x' }],
  ])('names no actor for %s', (_name, identity) => {
    expect(toPrincipalFields(identity)).not.toHaveProperty('actor');
  });

  it('marks an absent type Unknown', () => {
    expect(toPrincipalFields({ accountId: '1' }).principalType).toBe('Unknown');
  });

  it('gives every real fixture userIdentity a non-empty principal', () => {
    expectEveryPrincipalNamed([
      ...readRealRecords().map((real) => real.record.userIdentity),
      ...readRealUserIdentities(),
    ]);
  });

  itOverSharedSamples('gives every userIdentity of the shared corpus a non-empty principal', () => {
    expectEveryPrincipalNamed([
      ...readSharedJsonl<Record<string, unknown>>('records.jsonl').map((record) => record.userIdentity),
      ...readSharedJsonl<{ userIdentity: unknown }>('user-identity-fragments.jsonl').map(
        (fragment) => fragment.userIdentity,
      ),
    ]);
  });
});

describe('partitionOf', () => {
  it.each([
    ['arn:aws-us-gov:iam::1:root', undefined, 'aws-us-gov'],
    [undefined, 'cn-north-1', 'aws-cn'],
    [undefined, 'us-gov-west-1', 'aws-us-gov'],
    [undefined, 'eu-west-1', 'aws'],
    [undefined, undefined, 'aws'],
  ])('partition of %s in %s is %s', (arn, region, partition) => {
    expect(partitionOf(arn, region)).toBe(partition);
  });

  it('uses the Region partition for an AWSAccount principal', () => {
    expect(toPrincipalFields({ type: 'AWSAccount', accountId: '111122223333' }, 'cn-north-1').principal).toBe(
      'arn:aws-cn:iam::111122223333:root',
    );
  });
});
