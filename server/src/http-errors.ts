import { BrumeError, errorTable } from '@brume/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** The issues of a failed request validation, as the error's detail: where, which field, what is wrong. */
interface ValidationIssue {
  in: string;
  path: string;
  code: string;
  message: string;
}

/**
 * Turns anything a route or fastify throws into a BrumeError with the right code: bad input is a 4xx (never a 500);
 * only what is not understood becomes INTERNAL.
 */
export function toHttpError(error: unknown): BrumeError {
  if (error instanceof BrumeError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'request';
    const issues: ValidationIssue[] = error.validation.map((issue) => ({
      in: where,
      path: issue.instancePath,
      code: issue.keyword,
      message: issue.message ?? '',
    }));
    const first = issues[0] as ValidationIssue;
    return new BrumeError(
      'BAD_REQUEST',
      `invalid ${where}: ${first.path === '/' ? '' : `${first.path}: `}${first.message}`,
      { detail: issues },
    );
  }
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 413) return new BrumeError('PAYLOAD_TOO_LARGE', message, { cause: error });
  if (status === 404) return new BrumeError('NOT_FOUND', message, { cause: error });
  if (status !== undefined && status >= 400 && status < 500)
    return new BrumeError('BAD_REQUEST', message, { cause: error });
  return new BrumeError('INTERNAL', message, { cause: error });
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const brume = toHttpError(error);
  const status = errorTable[brume.code].http;
  let message = brume.message;
  if (brume.code === 'INTERNAL') {
    request.log.error({ err: error }, 'internal error');
    // The stack and the message of an unexpected error stay in the log.
    message = `internal error (request ${request.id}); the server log has the details`;
  }
  if (brume.code === 'PAYLOAD_TOO_LARGE') reply.header('connection', 'close');
  const body = {
    error:
      brume.detail === undefined ? { code: brume.code, message } : { code: brume.code, message, detail: brume.detail },
  };
  return reply.code(status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(new BrumeError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply),
  );
}
