import { describe, expect, it } from 'vitest';
import { field, LoggedNames, textField } from '../../lambda/core/json-fields';

describe('field', () => {
  it.each([
    ['the exact name', { principalId: 'exact' }, 'principalId', 'exact'],
    ['another case of the name', { PrincipalID: 'other case' }, 'principalId', 'other case'],
    [
      'the exact name over an earlier other case',
      { principalid: 'first', principalId: 'exact' },
      'principalId',
      'exact',
    ],
    ['the first of two other cases', { PRINCIPALID: 'first', principalid: 'second' }, 'principalId', 'first'],
    ['another case among keys of other lengths', { a: 1, arnList: 2, ARN: 'found', type: 4 }, 'arn', 'found'],
    ['a key that lower-cases to the name through the Kelvin sign', { '\u212Aey': 'kelvin' }, 'key', 'kelvin'],
    [
      'a key of another length for a name with a letter that lower-cases longer',
      { 'i\u0307d': 'dotted' },
      '\u0130d',
      'dotted',
    ],
    ['a null value as logged', { arn: null }, 'arn', null],
  ])('finds %s', (_case, object, name, found) => {
    expect(field(object, name)).toEqual(found);
  });

  it.each([
    ['an object without it', { arnList: 1, arns: 2, userName: 3 }, 'arn'],
    ['an object with no keys', {}, 'arn'],
    ['no object', undefined, 'arn'],
  ])('finds nothing in %s', (_case, object, name) => {
    expect(field(object, name)).toBeUndefined();
  });

  it('reads a map without a prototype as any other', () => {
    const object = Object.assign(Object.create(null), { SessionContext: { sourceIdentity: 'x' } });

    expect(field(object, 'sessionContext')).toEqual({ sourceIdentity: 'x' });
    expect(textField(object, 'sourceIdentity')).toBeUndefined();
  });
});

describe('LoggedNames', () => {
  const names = new LoggedNames(['principalId', 'arn', 'type']);

  it('hands back an object whose every key is a name, its absent names told without a search', () => {
    const identity = { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/R/s' };

    expect(names.read(identity)).toBe(identity);
  });

  it.each([
    ['another case of a name', { PrincipalID: 'other case', type: 'IAMUser' }],
    ['the exact name over an earlier other case', { principalid: 'first', principalId: 'exact' }],
    ['a key of no name beside one in another case', { credentialId: 'c', ARN: 'found' }],
    ['a key of no name alone', { credentialId: 'c' }],
  ])('reads each name as field does when an object has %s', (_case, object: Record<string, unknown>) => {
    const read = names.read(object) as Record<string, unknown>;

    for (const name of ['principalId', 'arn', 'type']) expect(read[name]).toBe(field(object, name));
  });

  it('refuses names alike but for case, which no plain read could tell apart', () => {
    expect(() => new LoggedNames(['arn', 'ARN'])).toThrow(/differ in more than case/);
  });
});
