import { requirePrincipal } from '../auth.js';
import type { Context } from '../context.js';
import type { DomainErrorCode } from '../domain-error.js';
import { DomainError } from '../domain-error.js';
import { AppError } from '../errors.js';
import type { Principal } from '../modules/keys/principal.js';
import { builder } from './builder.js';

/** An expected failure of a write, as data in its payload. */
export interface UserError {
  code: DomainErrorCode;
  field: string | null;
  message: string;
}

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description:
    'Why a write was refused (nothing was changed): FORBIDDEN (role or scope), BAD_USER_INPUT (a field is invalid), NOT_FOUND (no such id).',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'FORBIDDEN, BAD_USER_INPUT or NOT_FOUND.' }),
    field: t.exposeString('field', {
      nullable: true,
      description: 'The argument or input field at fault, e.g. "input.location" or "id"; null when none.',
    }),
    message: t.exposeString('message', { description: 'What was wrong and what to do.' }),
  }),
});

/** The principal of a write, or UNAUTHENTICATED (logged and counted as a refusal, then thrown). */
function writer(ctx: Context, action: string, entityId: string | null): Principal {
  try {
    return requirePrincipal(ctx.viewer);
  } catch (error) {
    ctx.services.refusals.record({
      actor: ctx.viewer.refused?.keyId ?? null,
      action,
      code: 'UNAUTHENTICATED',
      reason: ctx.viewer.refused?.reason ?? 'no credential',
      entityId,
    });
    throw error;
  }
}

/**
 * Runs a write for a payload-style mutation: without a valid credential UNAUTHENTICATED is thrown;
 * a DomainError (FORBIDDEN, BAD_USER_INPUT, NOT_FOUND) becomes `errors` in the payload. Either way a
 * refusal is logged (pino, with the key id and the reason) and counted.
 */
export async function runWrite<T>(
  ctx: Context,
  action: string,
  entityId: string | null,
  write: (principal: Principal) => Promise<T>,
): Promise<{ value: T | null; errors: UserError[] }> {
  const principal = writer(ctx, action, entityId);
  try {
    const value = await write(principal);
    ctx.services.refusals.acceptedWrite();
    return { value, errors: [] };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    ctx.services.refusals.record({
      actor: principal.id,
      action,
      code: error.code,
      reason: error.message,
      field: error.field,
      entityId,
    });
    return { value: null, errors: [{ code: error.code, field: error.field, message: error.message }] };
  }
}

/** The same for mutations without a payload (saved scenarios): a DomainError is thrown as an AppError. */
export async function runWriteOrThrow<T>(
  ctx: Context,
  action: string,
  entityId: string | null,
  write: (principal: Principal) => Promise<T>,
): Promise<T> {
  const { value, errors } = await runWrite(ctx, action, entityId, write);
  const first = errors[0];
  if (first) throw new AppError(first.code, first.message, first.field ? { field: first.field } : undefined);
  return value as T;
}
