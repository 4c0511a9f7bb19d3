import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOG, isAppError, type AppError, type ErrorCode } from '../../contracts/index.ts';
import { SECURITY_HEADERS } from '../security-headers.ts';
import type { RouteTable } from './routing.ts';

/** Fastify's own error codes mapped onto the catalog. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_ERROR',
  FST_ERR_RATE_LIMIT: 'RATE_LIMIT_EXCEEDED',
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
  request_id: string;
}

/** Turns any error into the documented body. 5xx messages are never shown to the caller. */
export function toErrorBody(err: unknown, requestId: string): { status: number; body: ErrorBody } {
  let code: ErrorCode = 'INTERNAL_ERROR';
  let message = 'internal error';
  let details: unknown;
  const fe = err as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (isAppError(err)) {
    code = err.code;
    message = err.message;
    details = (err as AppError).details;
  } else if (fe?.validation) {
    code = 'VALIDATION_ERROR';
    message = `invalid request ${fe.validationContext ?? ''}`.trim();
    details = (
      fe.validation as { instancePath?: string; message?: string; params?: Record<string, unknown> }[]
    )
      .slice(0, 20)
      .map((v) => {
        // An unknown or missing field is named in the path itself, not only in params.
        const field = v.params?.additionalProperty ?? v.params?.missingProperty;
        return {
          path: `${fe.validationContext ?? ''}${v.instancePath ?? ''}${typeof field === 'string' ? `/${field}` : ''}`,
          message: v.message,
          params: v.params,
        };
      });
  } else if (fe?.code && FASTIFY_CODES[fe.code]) {
    code = FASTIFY_CODES[fe.code]!;
    message = fe.message;
  } else if (fe?.statusCode === 429) {
    code = 'RATE_LIMIT_EXCEEDED';
    message = fe.message || 'rate limit exceeded';
  } else if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    code = fe.statusCode === 404 ? 'NOT_FOUND' : fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    message = fe.message;
  }
  const status = ERROR_CATALOG[code].status;
  if (status >= 500)
    message = code === 'SERVICE_UNAVAILABLE' ? 'service temporarily unavailable' : 'internal error';
  return {
    status,
    body: {
      code,
      message,
      ...(details !== undefined && status < 500 ? { details } : {}),
      request_id: requestId,
    },
  };
}

export function registerErrorHandling(app: FastifyInstance, routes?: RouteTable): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorBody(err, request.id);
    const kind = ERROR_CATALOG[body.code].kind;
    if (kind === 'bug') request.log.error({ err }, 'unhandled error');
    else if (kind === 'operational') request.log.warn({ err: (err as Error)?.message }, 'operational error');
    // `reason`, not `msg`: pino's own `msg` is the second argument (two `msg` keys otherwise).
    else request.log.info({ code: body.code, reason: body.message }, 'request refused');
    if (status === 429 && (err as { headers?: Record<string, string> }).headers) {
      void reply.headers((err as { headers: Record<string, string> }).headers);
    }
    if (body.code === 'SERVICE_UNAVAILABLE') void reply.header('retry-after', String(retryAfterOf(err)));
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes?.allowed(path) ?? [];
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({
          code: 'METHOD_NOT_ALLOWED',
          message: `${request.method} is not allowed here; allowed: ${allowed.join(', ')}`,
          request_id: request.id,
        } satisfies ErrorBody);
    }
    return reply.status(404).send({
      code: 'NOT_FOUND',
      message: `no route ${request.method} ${path}`,
      request_id: request.id,
    } satisfies ErrorBody);
  });
}

/**
 * Fastify's `frameworkErrors` option: router refusals (a bad URL encoding, a path segment over
 * `maxParamLength` → 414 URI_TOO_LONG) in the documented body with a request id, instead of
 * Fastify's own shape.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const code: ErrorCode = tooLong ? 'URI_TOO_LONG' : 'BAD_REQUEST';
  // Fastify's messages quote the path; an attacker-chosen string stays out of the answer.
  const message = tooLong ? 'a path segment of the URL is too long' : 'the URL is not valid (bad escape)';
  request.log.info({ code }, 'request refused');
  // The onRequest hooks (security headers, x-request-id) do not run for a request the router refused.
  void reply
    .headers(SECURITY_HEADERS)
    .header('x-request-id', request.id)
    .status(ERROR_CATALOG[code].status)
    .send({ code, message, request_id: request.id } satisfies ErrorBody);
}

const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'REQUEST_TIMEOUT',
    message: 'the request was not received in full within server.request_timeout',
  },
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', message: 'request headers too large' },
};

/**
 * Fastify's `clientErrorHandler`: requests Node refuses before Fastify sees them (unknown method,
 * malformed request line, headers too large, a body that stops arriving) get the documented error
 * body with a fresh request id (also in `x-request-id`), then the connection is closed.
 */
export function clientErrorHandler(
  this: { log: FastifyRequest['log'] },
  err: NodeJS.ErrnoException,
  socket: Socket,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
  const code = known?.code ?? 'BAD_REQUEST';
  const status = ERROR_CATALOG[code].status;
  const requestId = randomUUID();
  const body = JSON.stringify({
    code,
    message: known?.message ?? 'malformed HTTP request (unknown method or bad request line)',
    request_id: requestId,
  } satisfies ErrorBody);
  this.log.info({ code, reqId: requestId }, 'request refused before routing');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Seconds a client should wait after a 503: what the error says (retryAfterSeconds), else 1. */
function retryAfterOf(err: unknown): number {
  const s = (err as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof s === 'number' && Number.isInteger(s) && s > 0 && s <= 3600 ? s : 1;
}
