import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { Kind, execute, visit } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Context } from '../context.js';
import { WORK_PRICED_FIELD_NAMES } from '../limits/work-cost.js';

/**
 * Runs the queries clients send again and again through graphql-jit (a query compiled once to plain
 * JavaScript), and everything else through graphql-js as before.
 *
 * Why: on a 500 × 9 access page (~40,000 fields) graphql-js's per-field work — argument objects, paths,
 * promise checks, completeValue — and the garbage it makes were about half of the page's CPU; the compiled
 * query does the same resolver calls without it.
 *
 * What stays graphql-js's, so every answer is the one graphql-js gives:
 * - mutations (run once, never twice) and introspection;
 * - documents naming an analysis (a work-priced field other than Settlement.access: their time is the
 *   analysis, not graphql-js, and a failed one must not run its job twice);
 * - a document until it has been seen `after` times (a one-off query costs more to compile than to run,
 *   and a client cannot make the server compile every document it invents);
 * - any answer with an error: a compiled query that meets an error (a resolver's, a null in a non-null
 *   field, a serialisation) is run again by graphql-js, whose errors, paths and partial data are the API's.
 *   A query is a read, so running it twice changes nothing but the time; the request's byte count of large
 *   fields is reset before the second run.
 *
 * Compiled queries are kept per parsed document (Apollo keeps one per distinct query text in its document
 * store), so a document Apollo drops takes its compiled form with it.
 */
export interface JitOptions {
  /** Compile a document the time it is run for the `after`-th time (0: never, graphql-js for everything). */
  after: number;
  /** Called before graphql-js runs a query again after the compiled run met an error. */
  beforeRerun?: (context: Context) => void;
}

interface Entry {
  seen: number;
  /** False when the document names an analysis field (see above): graphql-js runs it. */
  compilable: boolean;
  /** Per operation name ('' for the anonymous or only one): the compiled query, or null when not compilable. */
  compiled: Map<string, CompiledQuery | null>;
}

/** Runs so far in this process (tests check the compiled path ran; nothing else reads them). */
export const jitStats = { compiled: 0, compiledRuns: 0, reruns: 0 };

export function jitExecutor(schema: GraphQLSchema, options: JitOptions): GatewayExecutor {
  const documents = new WeakMap<DocumentNode, Entry>();
  const reference = (document: DocumentNode, context: unknown, variables: unknown, operationName?: string) =>
    execute({
      schema,
      document,
      contextValue: context,
      variableValues: variables as Record<string, unknown> | undefined,
      operationName,
    }) as Promise<ExecutionResult> | ExecutionResult;

  return async (requestContext) => {
    const { document, operation, request } = requestContext;
    // The name the client sent (Apollo's own operationName is the resolved one, null when none was).
    const operationName = request.operationName;
    const context = requestContext.context as unknown as Context;
    const variables = request.variables;
    // No operation resolved (several and no name, or an unknown name): graphql-js says why, and Apollo
    // answers that as OPERATION_RESOLUTION_FAILURE.
    if (options.after <= 0 || !operation || operation.operation !== 'query' || isIntrospection(operation))
      return (await reference(document, context, variables, operationName ?? undefined)) as never;
    let entry = documents.get(document);
    if (!entry) {
      entry = { seen: 0, compilable: !namesAnalysis(document), compiled: new Map() };
      documents.set(document, entry);
    }
    entry.seen++;
    const name = operationName ?? '';
    let compiled = entry.compiled.get(name);
    if (compiled === undefined && entry.compilable && entry.seen >= options.after) {
      const made = compileQuery(schema, document, operationName ?? undefined, {
        disablingCapturingStackErrors: true,
      });
      compiled = isCompiledQuery(made) ? made : null;
      if (compiled) jitStats.compiled++;
      entry.compiled.set(name, compiled);
    }
    if (!compiled)
      return (await reference(document, context, variables, operationName ?? undefined)) as never;
    jitStats.compiledRuns++;
    const result = await compiled.query(undefined, context, variables);
    if (!result.errors || result.errors.length === 0) return result as never;
    jitStats.reruns++;
    options.beforeRerun?.(context);
    return (await reference(document, context, variables, operationName ?? undefined)) as never;
  };
}

/** Whether the document names a work-priced field other than `access` (an analysis) anywhere. */
function namesAnalysis(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD](node) {
      const name = node.name.value;
      if (name !== 'access' && WORK_PRICED_FIELD_NAMES.has(name)) found = true;
    },
  });
  return found;
}

/** Whether the operation asks for the schema (`__schema`, `__type`) at its root: graphql-js answers those. */
function isIntrospection(operation: { selectionSet: { selections: readonly unknown[] } }): boolean {
  return operation.selectionSet.selections.some((s) => {
    const f = s as { kind: string; name?: { value: string } };
    return f.kind !== 'Field' || f.name?.value === '__schema' || f.name?.value === '__type';
  });
}

/**
 * The schema handed to Apollo as a "gateway" with an executor of its own: Apollo Server's one supported
 * way to execute with something other than graphql-js's `execute`. Parsing, validation, the plugins (limits,
 * variables, cache notes), formatError and the HTTP answer are Apollo's, unchanged.
 */
export function jitGateway(schema: GraphQLSchema, options: JitOptions): GatewayInterface {
  const executor = jitExecutor(schema, options);
  return {
    async load() {
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}
