import type { AuthEventQuery, AuthEventRecord, NewAuthEvent } from '../../ports/index.ts';
import { ApiKeysService } from './api-keys.service.ts';
import type { IdentityDeps } from './identity.deps.ts';
import { SessionsService } from './sessions.service.ts';
import type { SsoUser, SsoUserSink, StartedSession } from './sso.port.ts';
import { UsersService } from './users.service.ts';

/**
 * Users, API keys, sessions and authentication events: collaborators sharing one resources object.
 * Also the {@link SsoUserSink} single sign-on ends its login with.
 */
export class IdentityService implements SsoUserSink {
  readonly users: UsersService;
  readonly keys: ApiKeysService;
  readonly sessions: SessionsService;

  constructor(readonly deps: IdentityDeps) {
    this.users = new UsersService(deps);
    this.keys = new ApiKeysService(deps);
    this.sessions = new SessionsService(deps);
  }

  upsertSsoUser(input: Parameters<SsoUserSink['upsertSsoUser']>[0]): Promise<SsoUser> {
    return this.users.upsertSso(input);
  }

  startSession(userId: string, meta: { ip: string; userAgent?: string }): Promise<StartedSession> {
    return this.sessions.startSession(userId, meta);
  }

  /** Records an authentication event raised elsewhere (e.g. a webhook source secret rotated). */
  recordEvent(event: NewAuthEvent): Promise<void> {
    return this.deps.store.recordAuthEvent(event).then(() => undefined);
  }

  events(query: AuthEventQuery): Promise<AuthEventRecord[]> {
    return this.deps.store.listAuthEvents(query);
  }
}
