/**
 * Errors of the OGC API – Features routes. Every refusal is an OGC exception (`code`, `description`,
 * as OGC API – Features Part 1 § 7.5.1 shows them) carrying the HTTP status, plus the `error` object
 * the rest of Serviceatlas' HTTP routes answer with (`{ code, message, field }`, the GraphQL codes), so
 * clients written against either vocabulary understand it.
 */

/** OGC exception codes used here (OWS Common names). */
export type OgcExceptionCode =
  | 'InvalidParameterValue'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'Unauthenticated'
  | 'TooManyRequests'
  | 'ServerError';

const APP_CODES: Record<OgcExceptionCode, string> = {
  InvalidParameterValue: 'BAD_USER_INPUT',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  NotAcceptable: 'BAD_USER_INPUT',
  Unauthenticated: 'UNAUTHENTICATED',
  TooManyRequests: 'RATE_LIMITED',
  ServerError: 'INTERNAL_SERVER_ERROR',
};

/** A refusal with its HTTP status; thrown by the parsers, answered by the handler. */
export class OgcError extends Error {
  constructor(
    readonly status: number,
    readonly code: OgcExceptionCode,
    message: string,
    /** The query parameter (or path part) at fault. */
    readonly parameter?: string,
  ) {
    super(message);
  }

  /** The response body: the OGC exception with the API's own `error` object beside it. */
  body(): Record<string, unknown> {
    return ogcExceptionBody(this.status, this.code, this.message, this.parameter);
  }
}

export function ogcExceptionBody(
  status: number,
  code: OgcExceptionCode,
  description: string,
  parameter?: string,
): Record<string, unknown> {
  const error: Record<string, string> = { code: APP_CODES[code], message: description };
  if (parameter !== undefined) error.field = parameter;
  return {
    code,
    description,
    status,
    ...(parameter !== undefined ? { parameter } : {}),
    error,
  };
}

/** 400 InvalidParameterValue naming the parameter. */
export const invalidParameter = (parameter: string, message: string): OgcError =>
  new OgcError(400, 'InvalidParameterValue', message, parameter);
