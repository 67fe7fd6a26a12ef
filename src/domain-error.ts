/**
 * An expected failure of a use case, free of GraphQL and HTTP (review item 3): services throw it,
 * resolvers turn it into a payload `UserError` (or an `AppError` where a field has no payload), the CLI
 * into a message and exit code 1.
 */
export type DomainErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  /** A regional partition asked about an area it does not hold (the load balancer routes it elsewhere). */
  | 'REGION_NOT_SERVED';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field at fault (`input.location`), when one is. */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export const invalid = (message: string, field: string | null = null) =>
  new DomainError('BAD_USER_INPUT', message, field);
export const forbidden = (message: string, field: string | null = null) =>
  new DomainError('FORBIDDEN', message, field);
export const missing = (message: string, field: string | null = 'id') =>
  new DomainError('NOT_FOUND', message, field);
/** NOT_FOUND for an id of a kind (`Scenario "7" was not found`), no field named (the argument is plain). */
export const notFound = (what: string, id: string) =>
  new DomainError('NOT_FOUND', `${what} ${JSON.stringify(id)} was not found`, null);
