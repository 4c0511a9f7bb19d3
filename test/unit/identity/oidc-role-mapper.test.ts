import { describe, expect, it } from 'vitest';
import { MAX_GROUPS, groupsFromClaims, roleForGroups } from '../../../src/core/identity/oidc-role.mapper.ts';

const MAPPING = { 'soc-admins': 'admin', 'soc-analysts': 'analyst', 'soc-viewers': 'viewer' } as const;

describe('roleForGroups', () => {
  it('maps a single group to its role', () => {
    expect(roleForGroups(['soc-analysts'], MAPPING, 'deny')).toBe('analyst');
    expect(roleForGroups(['soc-viewers'], MAPPING, 'deny')).toBe('viewer');
    expect(roleForGroups(['soc-admins'], MAPPING, 'deny')).toBe('admin');
  });

  it('gives the most privileged role whatever the order of groups or mapping', () => {
    expect(roleForGroups(['soc-viewers', 'soc-admins', 'soc-analysts'], MAPPING, 'deny')).toBe('admin');
    expect(roleForGroups(['soc-analysts', 'soc-viewers'], MAPPING, 'deny')).toBe('analyst');
    const reversed = { 'soc-viewers': 'viewer', 'soc-analysts': 'analyst' } as const;
    expect(roleForGroups(['soc-viewers', 'soc-analysts'], reversed, 'deny')).toBe('analyst');
  });

  it('applies the unmapped policy when no group maps', () => {
    expect(roleForGroups(['marketing'], MAPPING, 'viewer')).toBe('viewer');
    expect(roleForGroups([], MAPPING, 'analyst')).toBe('analyst');
    expect(roleForGroups(['marketing'], MAPPING, 'deny')).toBeNull();
    expect(roleForGroups([], {}, 'deny')).toBeNull();
  });

  it('matches exactly: case, whitespace and inherited keys do not count', () => {
    expect(roleForGroups(['SOC-ADMINS', ' soc-admins'], MAPPING, 'deny')).toBeNull();
    expect(roleForGroups(['constructor', 'toString', '__proto__'], MAPPING, 'deny')).toBeNull();
  });
});

describe('groupsFromClaims', () => {
  it('reads an array claim and ignores non-strings', () => {
    expect(groupsFromClaims({ groups: ['a', 1, null, 'b', { x: 1 }] }, 'groups')).toEqual(['a', 'b']);
  });

  it('takes a single string as one group, and a missing or odd claim as none', () => {
    expect(groupsFromClaims({ groups: 'soc-analysts' }, 'groups')).toEqual(['soc-analysts']);
    expect(groupsFromClaims({}, 'groups')).toEqual([]);
    expect(groupsFromClaims({ groups: { a: 1 } }, 'groups')).toEqual([]);
    expect(groupsFromClaims({ groups: 42 }, 'groups')).toEqual([]);
  });

  it('prefers an exact (namespaced) claim name, else follows a dotted path', () => {
    const claims = {
      'https://example.com/groups': ['ns'],
      realm_access: { roles: ['kc-analyst'] },
      'a.b': ['literal'],
      a: { b: ['nested'] },
    };
    expect(groupsFromClaims(claims, 'https://example.com/groups')).toEqual(['ns']);
    expect(groupsFromClaims(claims, 'realm_access.roles')).toEqual(['kc-analyst']);
    expect(groupsFromClaims(claims, 'a.b')).toEqual(['literal']);
    expect(groupsFromClaims(claims, 'realm_access.missing')).toEqual([]);
    expect(groupsFromClaims({ x: ['not', 'an', 'object'] }, 'x.length')).toEqual([]);
  });

  it('keeps at most MAX_GROUPS groups', () => {
    const many = Array.from({ length: MAX_GROUPS + 50 }, (_, i) => `g${i}`);
    expect(groupsFromClaims({ groups: many }, 'groups')).toHaveLength(MAX_GROUPS);
  });
});
