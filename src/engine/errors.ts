/**
 * A caller's bad input to the engine (an unknown type, a threshold that is not a positive number, an
 * origin off the globe). A RangeError so that older callers keep working; the API maps exactly this
 * class to BAD_USER_INPUT, so a real bug (a typed array's RangeError, a stack overflow) is not reported as
 * the user's mistake.
 */
export class EngineInputError extends RangeError {
  override name = 'EngineInputError';
}
