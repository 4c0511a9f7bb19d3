import type { Role } from '../../contracts/index.ts';
import { PERMISSIONS, type Permission } from './access.ts';

/** The one role → permissions table (issue #9). Admin holds every permission. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[] | 'all'>> = {
  viewer: [
    'authenticated',
    'incidents:read',
    'stream:read',
    'playbooks:read',
    'kill_switch:read',
    'actions:read',
    'policies:read',
  ],
  analyst: [
    'authenticated',
    'incidents:read',
    'stream:read',
    'incidents:write',
    'incidents:decide',
    'playbooks:read',
    // An analyst may pull the brake; only an admin releases it (kill_switch:deactivate).
    'kill_switch:read',
    'kill_switch:activate',
    // Response (docs/RESPONSE.md): request actions, decide approvals up to the user's approval level.
    'actions:read',
    'actions:request',
    'approvals:decide',
    'policies:read',
    'connectors:read',
  ],
  admin: 'all',
};

const ROLE_SETS = new Map<Role, ReadonlySet<Permission> | 'all'>(
  (Object.entries(ROLE_PERMISSIONS) as [Role, readonly Permission[] | 'all'][]).map(([role, perms]) => [
    role,
    perms === 'all' ? 'all' : new Set(perms),
  ]),
);

/** What a role may do, narrowed to `scopes` when given (scopes never add to the role). */
export function permissionsOf(
  role: Role,
  scopes?: readonly string[] | null,
): ReadonlySet<Permission> | 'all' {
  const base = ROLE_SETS.get(role)!;
  if (!scopes) return base;
  const allowed = base === 'all' ? PERMISSIONS : [...base];
  // `authenticated` (who am I) stays: a scoped key is still a credential.
  return new Set(allowed.filter((p) => p === 'authenticated' || scopes.includes(p)));
}

/** True when the permission set includes `permission`. */
export function allows(permissions: ReadonlySet<Permission> | 'all', permission: Permission): boolean {
  return permissions === 'all' || permissions.has(permission);
}

/** The permissions as a sorted list (for /auth/me). */
export function listPermissions(permissions: ReadonlySet<Permission> | 'all'): Permission[] {
  return permissions === 'all' ? [...PERMISSIONS] : PERMISSIONS.filter((p) => permissions.has(p));
}
