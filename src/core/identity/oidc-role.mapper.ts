import type { Role } from '../../contracts/index.ts';

/** Most privileged first: the order in which a user's mapped roles are tried. */
const PRIVILEGE_ORDER: readonly Role[] = ['admin', 'analyst', 'viewer'];

/** Groups beyond this many in one token are ignored (a token is not a place for unbounded lists). */
export const MAX_GROUPS = 1000;

/** What to do with a user none of whose groups is mapped: give this role, or refuse the login. */
export type UnmappedPolicy = Exclude<Role, 'admin'> | 'deny';

/**
 * The role single sign-on gives a user, from the identity provider's groups.
 *
 * Rule: every group of the user is looked up in `mapping` (exact, case-sensitive match on the
 * group name or id as the provider sends it); among the roles found, the most privileged wins
 * (admin > analyst > viewer), whatever the order of the mapping or of the groups in the token.
 * Put differently: roles are tried from the most privileged down and the first one that matches
 * any group wins. When no group maps, `unmapped` decides: a role (default `viewer`), or `deny`
 * (then `null` is returned and the login is refused).
 */
export function roleForGroups(
  groups: readonly string[],
  mapping: Readonly<Record<string, Role>>,
  unmapped: UnmappedPolicy,
): Role | null {
  const granted = new Set<Role>();
  for (const group of groups) {
    if (Object.hasOwn(mapping, group)) granted.add(mapping[group]!);
  }
  for (const role of PRIVILEGE_ORDER) if (granted.has(role)) return role;
  return unmapped === 'deny' ? null : unmapped;
}

/**
 * Reads the groups claim from ID token / userinfo claims. `claim` is a claim name (`groups`, or a
 * namespaced one such as `https://example.com/groups`); when no claim has that exact name, a dotted
 * path is followed (`realm_access.roles` for Keycloak realm roles). A single string counts as one
 * group; non-string entries are ignored; at most {@link MAX_GROUPS} are kept. Missing → `[]`.
 */
export function groupsFromClaims(claims: Readonly<Record<string, unknown>>, claim: string): string[] {
  let value: unknown = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  if (value === undefined && claim.includes('.')) {
    value = claim.split('.').reduce<unknown>((node, key) => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
      return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    }, claims);
  }
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((g): g is string => typeof g === 'string').slice(0, MAX_GROUPS);
}
