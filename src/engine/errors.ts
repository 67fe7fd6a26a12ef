/**
 * Bad input to the engine (an unknown id, a threshold out of range, a problem too large to solve
 * exactly): the caller's mistake, which the API reports as BAD_USER_INPUT. Any other error thrown from
 * the engine — a RangeError from a bug included — is a server fault and stays INTERNAL_SERVER_ERROR.
 */
export class EngineInputError extends RangeError {
  override readonly name = 'EngineInputError';
}
