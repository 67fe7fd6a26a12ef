import { createHash } from 'node:crypto';
import type { ASTVisitor, ValidationContext } from 'graphql';
import { GraphQLError } from 'graphql';
import type { LimitsConfig } from '../config.js';
import { jsonNesting, scanDocument } from '../limits/document-nesting.js';

/** A refusal of the whole request before Apollo sees it: HTTP status and one GraphQL error. */
export interface RequestRefusal {
  status: number;
  message: string;
  extensions: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The JSON of a GET parameter (`variables`, `extensions`), or undefined when absent or not JSON. */
function jsonParam(url: URL, name: string): unknown {
  const text = url.searchParams.get(name);
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // Apollo answers 400 BAD_REQUEST for it
  }
}

/**
 * Checks a GraphQL request before Apollo runs it, each in time linear in its size:
 * - the JSON (a POST body, GET `variables`/`extensions`) nests at most maxNesting deep (400 BAD_REQUEST):
 *   JSON.parse accepts any depth, but the response-cache key (JSON.stringify) and variable coercion recurse;
 * - the document nests at most maxNesting deep, fragments followed (400 QUERY_TOO_COMPLEX): the parser and
 *   graphql's NoFragmentCycles rule recurse;
 * - no number, in the document or the variables, overflows to Infinity (`1e999`; 400 BAD_USER_INPUT):
 *   graphql-js's Float refuses Infinity in variables but reads the literal 1e999 as Infinity, and the JSON
 *   scalar takes any number;
 * - an automatic-persisted-query extension is well formed: an object, version 1, a SHA-256 of 64 hex
 *   digits matching the query when one is sent (400 BAD_REQUEST; Apollo answers these with code-less
 *   errors, which are masked as INTERNAL_SERVER_ERROR).
 */
export function checkRequest(
  method: string,
  body: unknown,
  url: URL,
  limits: Pick<LimitsConfig, 'maxNesting' | 'maxTokens'>,
): RequestRefusal | null {
  const max = limits.maxNesting;
  const get = method !== 'POST';
  const parts: [string, unknown][] = get
    ? [
        ['variables', jsonParam(url, 'variables')],
        ['extensions', jsonParam(url, 'extensions')],
      ]
    : [['body', body]];
  for (const [where, value] of parts) {
    const depth = jsonNesting(value, max);
    if (depth > max)
      return {
        status: 400,
        message: `The request's JSON (${where}) nests more than ${max} deep (maxNesting)`,
        extensions: { code: 'BAD_REQUEST', limit: 'maxNesting', max },
      };
  }
  const request = get
    ? { query: url.searchParams.get('query') ?? undefined, extensions: parts[1]![1] }
    : isObject(body)
      ? body
      : {};
  const query = request.query;
  if (typeof query === 'string') {
    const scan = scanDocument(query, limits.maxTokens);
    if (scan && scan.nesting > max)
      return {
        status: 400,
        message: `The document nests ${scan.nesting} deep with its fragments followed; at most ${max} (maxNesting)`,
        extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'maxNesting', max, actual: scan.nesting },
      };
    if (scan?.nonFinite)
      return {
        status: 400,
        message: `${scan.nonFinite.slice(0, 40)} is not a finite number`,
        extensions: { code: 'BAD_USER_INPUT' },
      };
  }
  const variables = get ? parts[0]![1] : (request as { variables?: unknown }).variables;
  const infinite = nonFinitePath(variables, 'variables');
  if (infinite)
    return {
      status: 400,
      message: `${infinite} is not a finite number (JSON numbers such as 1e999 overflow to Infinity)`,
      extensions: { code: 'BAD_USER_INPUT', field: infinite },
    };
  const extensions = request.extensions;
  if (isObject(extensions) && extensions.persistedQuery !== undefined) {
    const pq = extensions.persistedQuery;
    const bad = (message: string): RequestRefusal => ({
      status: 400,
      message: `${message} (automatic persisted queries: { "version": 1, "sha256Hash": "<64 hex digits>" })`,
      extensions: { code: 'BAD_REQUEST', field: 'extensions.persistedQuery' },
    });
    if (!isObject(pq)) return bad('extensions.persistedQuery must be an object');
    if (pq.version !== 1) return bad(`Unsupported persisted query version ${JSON.stringify(pq.version)}`);
    const hash = pq.sha256Hash;
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
      return bad('extensions.persistedQuery.sha256Hash must be a SHA-256 in 64 lowercase hex digits');
    if (typeof query === 'string' && createHash('sha256').update(query).digest('hex') !== hash)
      return bad('extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it');
  }
  return null;
}

/**
 * The path of the first number in a JSON value that is not finite (`1e999` parses to Infinity), or null.
 * Iterative; the value's nesting is bounded by maxNesting before this runs.
 */
export function nonFinitePath(value: unknown, root: string): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) stack.push([child, `${path}.${k}`]);
    }
  }
  return null;
}

/**
 * Refuses `subscription` operations in validation (GRAPHQL_VALIDATION_FAILED, HTTP 400): the schema has
 * no Subscription type, and graphql-js would otherwise fail in execution with a code-less error (a 500).
 */
export function NoSubscriptionsRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation === 'subscription' && !context.getSchema().getSubscriptionType())
        context.reportError(
          new GraphQLError('This API has no subscriptions; ask with a query (reads) or a mutation (writes)', {
            nodes: [node],
          }),
        );
    },
  };
}
