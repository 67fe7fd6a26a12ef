import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { defaultFieldResolver, isObjectType } from 'graphql';
import type { Context } from '../context.js';
import { badInput, toAppError } from '../errors.js';
import { currentRequestState } from './request-state.js';
import { fieldWork, isWorkPriced } from './work-cost.js';
import { workScaleOf } from './work-scale.js';

const GUARDED = Symbol('serviceatlas.guarded');

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The path of the first string holding a NUL character in a root field's arguments, or null. PostgreSQL
 * text cannot hold NUL ("invalid byte sequence"), so such a value can match nothing and must not reach
 * SQL (found by the fuzz: `servicePoints(filter: { countyCode: "\u0000" })` was an internal error).
 */
export function nulCharacterPath(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const found = nulCharacterPath(
      item,
      Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key,
    );
    if (found !== null) return found;
  }
  return null;
}

/**
 * Wraps resolvers once per schema object (idempotent): every root field first checks the request's time
 * budget; a work-priced field (an analysis) whose estimated work reaches `heavyWork` first takes the
 * request's heavy-queue slot and yields to the event loop, so /healthz and light reads are served between
 * analyses; coverage layers count their bytes against maxResponseBytes as they are built; and an expected
 * failure becomes a GraphQL error here (`toAppError`: a use case's DomainError keeps its code and field, an
 * engine input error is BAD_USER_INPUT; a plain RangeError — a bug — stays internal).
 */
export function guardResolvers(schema: GraphQLSchema): void {
  const marked = schema as unknown as Record<symbol, boolean>;
  if (marked[GUARDED]) return;
  marked[GUARDED] = true;
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const priced = isWorkPriced(coordinate);
      if (!priced && !roots.has(type.name)) continue;
      const resolve = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, Context>;
      const root = roots.has(type.name);
      const guarded: GraphQLFieldResolver<unknown, Context> = async (source, args, ctx, info) => {
        const state = currentRequestState();
        state?.check();
        if (root) {
          const nul = nulCharacterPath(args);
          if (nul !== null)
            throw badInput(`${nul} contains a NUL character (\\u0000), which no value can hold`, nul);
        }
        if (state && priced) {
          const work = fieldWork(coordinate, args, workScaleOf(await ctx.snapshot()));
          if (work >= state.limits.heavyWork) await state.acquireHeavySlot();
          await yieldToEventLoop();
          state.yielded();
          state.check();
        }
        let result: unknown;
        try {
          result = await resolve(source, args, ctx, info);
        } catch (error) {
          throw toAppError(error) ?? error;
        }
        if (state && coordinate === 'Query.coverageLayer') {
          state.addResponseBytes(Buffer.byteLength(JSON.stringify(result)), info.path.key.toString());
        }
        return result;
      };
      // A nested priced field read many times a page (Settlement.access: 500 times) takes the guard's
      // light path without a promise of its own: once the request's snapshot is loaded, a field below
      // heavyWork needs no slot, and it yields to the event loop only every YIELD_EVERY_MS of the request,
      // not once per field (the same checks and errors; see yieldDue).
      field.resolve =
        root || !priced
          ? guarded
          : (source, args, ctx, info) => {
              const state = currentRequestState();
              const snapshot = state ? ctx.readySnapshot?.() : undefined;
              if (
                !state ||
                !snapshot ||
                state.yieldDue() ||
                fieldWork(coordinate, args, workScaleOf(snapshot)) >= state.limits.heavyWork
              )
                return guarded(source, args, ctx, info);
              state.check();
              let result: unknown;
              try {
                result = resolve(source, args, ctx, info);
              } catch (error) {
                throw toAppError(error) ?? error;
              }
              if (result instanceof Promise)
                return result.catch((error: unknown) => {
                  throw toAppError(error) ?? error;
                });
              return result;
            };
    }
  }
}
