import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOG, isAppError, type AppError, type ErrorCode } from '../../contracts/index.ts';

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

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorBody(err, request.id);
    const kind = ERROR_CATALOG[body.code].kind;
    if (kind === 'bug') request.log.error({ err }, 'unhandled error');
    else if (kind === 'operational') request.log.warn({ err: (err as Error)?.message }, 'operational error');
    else request.log.info({ code: body.code, msg: body.message }, 'request refused');
    if (status === 429 && (err as { headers?: Record<string, string> }).headers) {
      void reply.headers((err as { headers: Record<string, string> }).headers);
    }
    if (body.code === 'SERVICE_UNAVAILABLE') void reply.header('retry-after', String(retryAfterOf(err)));
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({
      code: 'NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
      request_id: request.id,
    });
  });
}

/** Seconds a client should wait after a 503: what the error says (retryAfterSeconds), else 1. */
function retryAfterOf(err: unknown): number {
  const s = (err as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  return typeof s === 'number' && Number.isInteger(s) && s > 0 && s <= 3600 ? s : 1;
}
