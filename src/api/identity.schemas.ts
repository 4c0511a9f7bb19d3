import { Type } from 'typebox';
import { APPROVAL_LEVELS, ROLES, Enum, Nullable } from '../contracts/index.ts';
import { USERNAME_PATTERN } from '../core/identity/index.ts';
import { PERMISSIONS } from './plugins/access.ts';

/** Schemas of the identity routes (users, API keys, login, authentication events). */
const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });

export const RoleSchema = Enum(ROLES);
export const ApprovalLevelSchema = Enum(APPROVAL_LEVELS);
export const PermissionSchema = Enum(PERMISSIONS);
const Password = Type.String({ minLength: 12, maxLength: 256, description: '12 to 256 characters' });

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  email: Nullable(Type.String()),
  display_name: Nullable(Type.String()),
  role: RoleSchema,
  approval_level: ApprovalLevelSchema,
  disabled: Type.Boolean(),
  has_password: Type.Boolean({ description: 'false for single sign-on users' }),
  sso_issuer: Nullable(Type.String()),
  last_login_at: Nullable(DateTime),
  created_at: DateTime,
  updated_at: DateTime,
});

export const CreateUserSchema = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN, maxLength: 128 }),
    password: Type.Optional(Password),
    role: RoleSchema,
    approval_level: Type.Optional(ApprovalLevelSchema),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    display_name: Type.Optional(Type.String({ maxLength: 200 })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateUserSchema = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    approval_level: Type.Optional(ApprovalLevelSchema),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
    email: Type.Optional(Nullable(Type.String({ maxLength: 320 }))),
    display_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  prefix: Type.String({ description: 'the `<prefix>` of tw_<prefix>_<secret>, for identification' }),
  name: Type.String(),
  role: RoleSchema,
  scopes: Nullable(Type.Array(Type.String())),
  created_by: Type.String(),
  expires_at: Nullable(DateTime),
  last_used_at: Nullable(DateTime),
  revoked_at: Nullable(DateTime),
  created_at: DateTime,
});

export const CreateApiKeySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._:@-]*$' }),
    role: RoleSchema,
    scopes: Type.Optional(Type.Array(PermissionSchema, { maxItems: 20, uniqueItems: true })),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    expires_in: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,4}[mhd]$', description: 'e.g. 30d, 12h, 90m' }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedApiKeySchema = Type.Object({
  key: Type.String({ description: 'the key itself: shown this once, never stored' }),
  api_key: ApiKeySchema,
});

export const KeyRefParamsSchema = Type.Object({
  id: Type.String({ minLength: 4, maxLength: 64, pattern: '^[A-Za-z0-9-]+$', description: 'id or prefix' }),
});

export const LoginSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const LoginResponseSchema = Type.Object({
  user: UserSchema,
  csrf_token: Type.String({ description: 'send as X-CSRF-Token on cookie-authenticated writes' }),
  expires_at: DateTime,
});

export const MeSchema = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  name: Nullable(Type.String()),
  role: Nullable(RoleSchema),
  approval_level: Nullable(ApprovalLevelSchema),
  permissions: Type.Array(Type.String()),
  csrf_token: Nullable(Type.String()),
});

export const AuthEventSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  actor: Type.String(),
  subject: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: DateTime,
});

export const AuthEventQuerySchema = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 300 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,19}$', description: 'next_cursor of the previous page' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
