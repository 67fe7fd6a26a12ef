import { GraphQLError } from 'graphql';
import { DomainError } from './domain-error.js';
import { EngineInputError } from './engine/errors.js';

/**
 * The closed set of error codes a client can rely on (GraphQL `extensions.code`). Anything else is
 * logged and masked as `INTERNAL_SERVER_ERROR`.
 *
 * Ours: BAD_USER_INPUT, NOT_FOUND, UNAUTHENTICATED, FORBIDDEN, QUERY_TOO_COMPLEX, and the load limits
 * SERVER_BUSY, RATE_LIMITED and TIMEOUT, and REGION_NOT_SERVED from a regional partition (README.md lists
 * them all; a test keeps the two in step).
 * Apollo Server's own request errors (`ApolloServerErrorCode`), passed through unmasked because
 * standard clients act on them: PERSISTED_QUERY_NOT_FOUND makes Apollo Client / urql resend an
 * automatic persisted query with its text; BAD_REQUEST (no query, malformed body or GET parameters),
 * GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED and OPERATION_RESOLUTION_FAILURE (several
 * operations and no / an unknown `operationName`) tell the developer what to fix;
 * PERSISTED_QUERY_NOT_SUPPORTED says persisted queries are turned off.
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'QUERY_TOO_COMPLEX',
  'SERVER_BUSY',
  'RATE_LIMITED',
  'TIMEOUT',
  'REGION_NOT_SERVED',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * HTTP status of codes that refuse a whole request before it runs (no `data`). The GraphQL-over-HTTP
 * spec asks for 4xx when a response has no `data`, and 400 for a request the server will not execute
 * (the same status as a validation failure): a query over the depth or cost limit is such a request.
 * 413 is about body size and 422 is not used by the spec, so neither fits. Apollo reads the status from
 * `extensions.http` of the thrown error and strips it from the response.
 */
const REQUEST_STATUS: Partial<Record<ErrorCode, number>> = { QUERY_TOO_COMPLEX: 400 };

/** An expected failure with a typed code; Apollo serialises it as `extensions.code`. */
export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    const status = REQUEST_STATUS[code];
    super(message, { extensions: { code, ...details, ...(status ? { http: { status } } : {}) } });
    this.code = code;
  }
}

export const badInput = (message: string, field?: string): AppError =>
  new AppError('BAD_USER_INPUT', message, field ? { field } : undefined);

export const notFound = (what: string, id: string): AppError =>
  new AppError('NOT_FOUND', `${what} ${JSON.stringify(id)} was not found`);

/**
 * The one mapping of expected failures to GraphQL errors: a use case's DomainError keeps its code and field
 * (`extensions.field`), an engine input error is BAD_USER_INPUT, an AppError stays as it is; anything else
 * (a bug, a RangeError) is null and stays internal (masked by the server's formatError). Called by the
 * resolver guard (src/limits/guard-resolvers.ts) for root and priced fields, and by formatError for a
 * failure in any other field.
 */
export function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof DomainError)
    return new AppError(error.code, error.message, error.field ? { field: error.field } : undefined);
  if (error instanceof EngineInputError) return badInput(error.message);
  return null;
}
