import { createHash, randomUUID } from 'node:crypto';
import { AppError, type ApprovalLevel, type Role } from '../../contracts/index.ts';
import type { UserChanges, UserRecord } from '../../ports/index.ts';
import { announce, type AuthContext, type IdentityDeps } from './identity.deps.ts';
import { hashPassword, passwordPolicyProblem } from './password.ts';
import type { SsoUser } from './sso.port.ts';

/** Usernames: letters, digits and `._@-`, 1–128 characters, starting with a letter or digit. */
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$';
const USERNAME = new RegExp(USERNAME_PATTERN);

/** Rank of each role: a creator may hand out no more than its own. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, analyst: 1, admin: 2 };

export interface CreateUserInput {
  username: string;
  password?: string;
  role: Role;
  approval_level?: ApprovalLevel;
  email?: string | null;
  display_name?: string | null;
  disabled?: boolean;
}

export interface UpdateUserInput {
  role?: Role;
  approval_level?: ApprovalLevel;
  disabled?: boolean;
  password?: string;
  email?: string | null;
  display_name?: string | null;
}

/** Users: created by admins (or single sign-on), passwords hashed with scrypt. */
export class UsersService {
  constructor(private readonly deps: IdentityDeps) {}

  async create(input: CreateUserInput, ctx: AuthContext): Promise<UserRecord> {
    if (!USERNAME.test(input.username))
      throw new AppError('VALIDATION_ERROR', 'username: letters, digits and ._@- (1-128 characters)');
    const passwordHash = input.password === undefined ? null : await this.hash(input.password);
    if (await this.deps.store.findUserByUsername(input.username))
      throw new AppError('CONFLICT', 'a user with this username exists');
    const user = await this.deps.store.createUser({
      id: randomUUID(),
      username: input.username,
      email: input.email ?? null,
      display_name: input.display_name ?? null,
      role: input.role,
      approval_level: input.approval_level ?? 'analyst',
      password_hash: passwordHash,
      disabled: input.disabled ?? false,
    });
    await this.event('user_created', ctx, user, { role: user.role, approval_level: user.approval_level });
    return user;
  }

  async update(id: string, input: UpdateUserInput, ctx: AuthContext): Promise<UserRecord> {
    const before = await this.require(id);
    const changes: UserChanges = {};
    if (input.role !== undefined) changes.role = input.role;
    if (input.approval_level !== undefined) changes.approval_level = input.approval_level;
    if (input.disabled !== undefined) changes.disabled = input.disabled;
    if (input.email !== undefined) changes.email = input.email;
    if (input.display_name !== undefined) changes.display_name = input.display_name;
    if (input.password !== undefined) changes.password_hash = await this.hash(input.password);
    const after = await this.deps.store.updateUser(id, changes);
    if (!after) throw new AppError('NOT_FOUND', 'user not found');
    if (before.role !== after.role)
      await this.event('user_role_changed', ctx, after, { from: before.role, to: after.role });
    if (before.approval_level !== after.approval_level)
      await this.event('user_level_changed', ctx, after, {
        from: before.approval_level,
        to: after.approval_level,
      });
    if (before.disabled !== after.disabled)
      await this.event(after.disabled ? 'user_disabled' : 'user_enabled', ctx, after, {});
    if (input.password !== undefined) await this.event('user_password_changed', ctx, after, {});
    // A disabled user or a new password ends every session; any change drops cached identities.
    if (after.disabled || input.password !== undefined) await this.deps.store.deleteUserSessions(id);
    await announce(this.deps, 'user', id);
    return after;
  }

  async remove(id: string, ctx: AuthContext): Promise<void> {
    const user = await this.require(id);
    await this.deps.store.deleteUser(id);
    await this.event('user_deleted', ctx, user, {});
    await announce(this.deps, 'user', id);
  }

  async get(id: string): Promise<UserRecord> {
    return this.require(id);
  }

  list(): Promise<UserRecord[]> {
    return this.deps.store.listUsers();
  }

  /** Single sign-on: the user linked to (issuer, subject), created on first login; role follows the IdP. */
  async upsertSso(input: {
    issuer: string;
    subject: string;
    email?: string;
    name?: string;
    role: Role;
    ip: string;
  }): Promise<SsoUser> {
    const ctx = { actor: `sso:${input.issuer}`, ip: input.ip };
    let user = await this.deps.store.findUserBySso(input.issuer, input.subject);
    if (!user) {
      const username = await this.freeUsername(input);
      user = await this.deps.store.createUser({
        id: randomUUID(),
        username,
        email: input.email ?? null,
        display_name: input.name ?? null,
        role: input.role,
        approval_level: 'analyst',
        password_hash: null,
        sso_issuer: input.issuer,
        sso_subject: input.subject,
      });
      await this.event('user_created', ctx, user, { role: user.role, sso: true });
    } else {
      const before = user;
      user =
        (await this.deps.store.updateUser(user.id, {
          role: input.role,
          email: input.email ?? null,
          display_name: input.name ?? null,
        })) ?? user;
      if (before.role !== user.role) {
        await this.event('user_role_changed', ctx, user, { from: before.role, to: user.role, sso: true });
        await announce(this.deps, 'user', user.id);
      }
    }
    if (!user.disabled) {
      await this.deps.store.touchLogin(user.id);
      await this.event('login_succeeded', { actor: `user:${user.username}`, ip: input.ip }, user, {
        method: 'sso',
      });
    }
    return { id: user.id, role: user.role, approval_level: user.approval_level, disabled: user.disabled };
  }

  private async freeUsername(input: { issuer: string; subject: string; email?: string }): Promise<string> {
    const wanted = input.email && USERNAME.test(input.email) ? input.email : undefined;
    if (wanted && !(await this.deps.store.findUserByUsername(wanted))) return wanted;
    const tag = createHash('sha256').update(`${input.issuer}\0${input.subject}`).digest('hex').slice(0, 16);
    return `sso-${tag}`;
  }

  private async hash(password: string): Promise<string> {
    const problem = passwordPolicyProblem(password);
    if (problem) throw new AppError('VALIDATION_ERROR', problem);
    return hashPassword(password, this.deps.settings.scrypt);
  }

  private async require(id: string): Promise<UserRecord> {
    const user = await this.deps.store.getUser(id);
    if (!user) throw new AppError('NOT_FOUND', 'user not found');
    return user;
  }

  private event(
    type: string,
    ctx: AuthContext,
    user: UserRecord,
    details: Record<string, unknown>,
  ): Promise<void> {
    return this.deps.store.recordAuthEvent({
      type,
      actor: ctx.actor,
      subject: `user:${user.username}`,
      ip: ctx.ip,
      details: { user_id: user.id, ...details },
    });
  }
}
