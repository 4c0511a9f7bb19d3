import { LlmError, retryAfterMs } from '../../core/llm/chat.ts';

/**
 * Both vendor SDKs throw the same family of errors (APIError with `status` and `headers`, plus
 * connection, timeout and abort subclasses). They are matched by name and status, not `instanceof`,
 * and turned into {@link LlmError}. The vendor's message is not kept: it can quote the request.
 */
export function translateSdkError(err: unknown, signal?: AbortSignal): LlmError {
  if (err instanceof LlmError) return err;
  const e = (err ?? {}) as {
    name?: string;
    status?: unknown;
    headers?: unknown;
    constructor?: { name?: string };
  };
  const name = e.constructor?.name ?? e.name ?? '';
  if (signal?.aborted || name === 'APIUserAbortError' || e.name === 'AbortError')
    return new LlmError('aborted', 'request aborted');
  if (name === 'APIConnectionTimeoutError') return new LlmError('timeout', 'request timed out');
  if (name === 'APIConnectionError') return new LlmError('connection', 'could not reach the model server');
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === undefined) return new LlmError('connection', 'model request failed');
  const headers = e.headers as { get?: (n: string) => string | null } | undefined;
  const after = headers?.get ? retryAfterMs((n) => headers.get!(n)) : undefined;
  if (status === 429)
    return new LlmError('rate_limited', 'model server rate limit (HTTP 429)', status, after);
  if (status === 408 || status === 409 || status >= 500)
    return new LlmError('unavailable', `model server unavailable (HTTP ${status})`, status, after);
  if (status === 401 || status === 403)
    return new LlmError('auth', `model server refused the credentials (HTTP ${status})`, status);
  return new LlmError('bad_request', `model server rejected the request (HTTP ${status})`, status);
}
