import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { pathOf } from './route-table.js';

export type ErrorType = 'authentication_error' | 'invalid_request_error' | 'permission_error' | 'not_found' | 'conflict' | 'rate_limit_error' | 'api_error';

export interface ErrorBody {
  error: { type: ErrorType; message: string; param?: string };
}

/** An error answered to the client as `{"error": {"type", "message", "param"?}}`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: ErrorType,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { type: this.type, message: this.message, ...(this.param !== undefined && { param: this.param }) } };
  }
}

/** A request body field failed validation: always 400. */
export function invalidParam(message: string, param: string): ApiError {
  return new ApiError(400, 'invalid_request_error', message, param);
}

export function missingParam(param: string): ApiError {
  return invalidParam(`Missing required param: ${param}`, param);
}

export function invalidRequest(message: string): ApiError {
  return new ApiError(400, 'invalid_request_error', message);
}

export function notFound(object: 'customer' | 'invoice' | 'payment' | 'subscription', id: string): ApiError {
  return new ApiError(404, 'not_found', `No such ${object}: ${id}`);
}

export function conflict(message: string): ApiError {
  return new ApiError(409, 'conflict', message);
}

export function unauthenticated(message: string): ApiError {
  return new ApiError(401, 'authentication_error', message);
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === 'string';
}

export function errorHandler(error: unknown, _request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof ApiError) {
    void reply.code(error.statusCode).send(error.toBody());
    return;
  }
  if (isFastifyError(error) && error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    void reply.code(413).send(new ApiError(413, 'invalid_request_error', 'request entity too large').toBody());
    return;
  }
  if (isFastifyError(error) && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // Framework-level rejections (body too large, malformed headers): a client error all the same.
    void reply.code(error.statusCode).send(new ApiError(error.statusCode, 'invalid_request_error', error.message).toBody());
    return;
  }
  console.error(error);
  void reply.code(500).send(new ApiError(500, 'api_error', 'Internal server error').toBody());
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const error = new ApiError(404, 'not_found', `Unrecognized request URL (${request.method}: ${pathOf(request.originalUrl)})`);
  void reply.code(404).send(error.toBody());
}
