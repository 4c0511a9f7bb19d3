import { AppError, isAppError } from '../../contracts/index.ts';
import { safeOAuthError } from '../../core/identity/oidc-login.port.ts';

/** The library's own error codes are fixed identifiers (`OAUTH_…`); anything else is not shown. */
function libraryCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^OAUTH_[A-Z_]{1,60}$/.test(code) ? code : undefined;
}

/** True when the provider could not be reached or did not answer in time. */
function isUnreachable(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const { name, code } = err as { name?: unknown; code?: unknown };
  // fetch rejects with a bare TypeError on refused/reset connections and DNS failures; the library's
  // own TypeErrors (bad arguments) carry an ERR_* code and are bugs.
  if (name === 'TypeError' && code === undefined) return true;
  return code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT';
}

/**
 * Translates what openid-client threw into our catalog (STYLE.md #2): the provider down or failing
 * (unreachable, timeout, a non-OAuth 5xx) → SERVICE_UNAVAILABLE; the provider refusing, or a response
 * failing a check → UNAUTHORIZED. Messages are fixed; `details.reason` is a registered OAuth error
 * code or the library's `OAUTH_*` code, never text from a response or from the request.
 */
export function toAppError(err: unknown, step: 'discovery' | 'callback'): AppError {
  if (isAppError(err)) return err;
  const name = (err as { name?: unknown } | null)?.name;
  if (step === 'discovery' || isUnreachable(err)) {
    return new AppError('SERVICE_UNAVAILABLE', 'the identity provider is unavailable', undefined, {
      cause: err,
    });
  }
  if (name === 'AuthorizationResponseError') {
    const reason = safeOAuthError((err as { error?: unknown }).error);
    return new AppError(
      'UNAUTHORIZED',
      'the identity provider refused the login',
      { reason },
      { cause: err },
    );
  }
  if (name === 'ResponseBodyError') {
    const { error, status } = err as { error?: unknown; status?: unknown };
    if (typeof status === 'number' && status >= 500) {
      return new AppError('SERVICE_UNAVAILABLE', 'the identity provider is unavailable', undefined, {
        cause: err,
      });
    }
    return new AppError(
      'UNAUTHORIZED',
      'the identity provider refused the authorization code',
      { reason: safeOAuthError(error) },
      { cause: err },
    );
  }
  const code = libraryCode(err);
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    return new AppError('SERVICE_UNAVAILABLE', 'the identity provider is unavailable', undefined, {
      cause: err,
    });
  }
  return new AppError(
    'UNAUTHORIZED',
    'the identity provider response failed validation',
    { reason: code ?? 'invalid_response' },
    { cause: err },
  );
}
