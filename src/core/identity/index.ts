export { ApiKeysService, KEY_TOUCH_INTERVAL_MS } from './api-keys.service.ts';
export type { CreateApiKeyInput } from './api-keys.service.ts';
export { announce } from './identity.deps.ts';
export type { AuthContext, IdentityDeps, IdentitySettings } from './identity.deps.ts';
export { IdentityService } from './identity.service.ts';
export {
  DEFAULT_SCRYPT,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  hashPassword,
  passwordPolicyProblem,
  verifyPassword,
} from './password.ts';
export type { ScryptParams } from './password.ts';
export {
  API_KEY_PATTERN,
  apiKeyPrefix,
  csrfTokenOf,
  generateApiKey,
  generateSessionToken,
  randomBase62,
  safeEqual,
  sha256Hex,
} from './secrets.ts';
export { SessionsService } from './sessions.service.ts';
export type { SsoUser, SsoUserSink, StartedSession } from './sso.port.ts';
export { ROLE_RANK, USERNAME_PATTERN, UsersService } from './users.service.ts';
export type { CreateUserInput, UpdateUserInput } from './users.service.ts';
