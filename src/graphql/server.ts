import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError, Kind, getVariableValues } from 'graphql';
import { createHash } from 'node:crypto';
import type { DataVersions } from '../db/data-version.js';
import { etagMatches } from '../tiles/http.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, unauthenticatedMessage } from '../auth.js';
import type { Config } from '../config.js';
import type { Context } from '../context.js';
import { createContext, onPrimary } from '../context.js';
import { ERROR_CODES, toAppError } from '../errors.js';
import { writeCompressed } from '../http/compress.js';
import { applyCors } from '../http/cors.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { recordKeyWrite } from '../modules/keys/api-key.repository.js';
import { guardResolvers } from '../limits/guard-resolvers.js';
import { createHttpGuard } from '../limits/http-guard.js';
import { workLimitsPlugin } from '../limits/plugin.js';
import { currentRequestState, runWithRequestState } from '../limits/request-state.js';
import { jitGateway } from './jit-executor.js';
import { queryLimitsPlugin } from './limits.js';
import { NoSubscriptionsRule, checkRequest } from './request-checks.js';
import type { CacheNote, CachedResponse } from './response-cache.js';
import { ResponseCache, responseCachePlugin } from './response-cache.js';

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/**
 * Coerces the variables once the operation is known and refuses bad ones (wrong type, missing, null for
 * a non-null, unknown enum value) as 400 BAD_USER_INPUT — the answer Apollo gives when execution finds
 * them. Without it the first plugin to read variables (the cost estimate) would throw a bare
 * GraphQLError and the client would get a 500 for its own mistake. It must stay the first plugin:
 * Apollo runs the `didResolveOperation` hooks together and reports the first rejection in plugin order.
 */
export function variableCoercionPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          const result = getVariableValues(
            schema,
            operation?.variableDefinitions ?? [],
            request.variables ?? {},
            { maxErrors: 10 },
          );
          const first = result.errors?.[0];
          if (first) {
            throw new GraphQLError(first.message, {
              nodes: first.nodes,
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/** Apollo Server with the query limits, typed error masking, and a per-request context. */
export async function createGraphQLHandler(
  schema: GraphQLSchema,
  services: Services,
  config: Config,
  log: Logger,
) {
  guardResolvers(schema);
  const guard = createHttpGuard(config.limits);
  const cache = new ResponseCache(config.responseCacheBytes);
  // Repeated queries run compiled (graphql-jit), the rest on graphql-js: src/graphql/jit-executor.ts.
  const executeWith =
    config.graphqlJitAfter > 0
      ? {
          gateway: jitGateway(schema, {
            after: config.graphqlJitAfter,
            beforeRerun: () => currentRequestState()?.resetResponseBytes(),
          }),
        }
      : { schema };
  const apollo = new ApolloServer<Context>({
    ...executeWith,
    introspection: true,
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: [NoSubscriptionsRule],
    // The process owns SIGTERM/SIGINT (src/main.ts drains requests, then closes the database); Apollo's
    // own handler would stop it first and re-raise the signal.
    stopOnTerminationSignals: false,
    // Compact JSON: Apollo's default indents every answer (JSON.stringify(value, null, 2)), which on a
    // 500 × 9 access page was ~10% of its CPU and twice the bytes to compress; the values are the same.
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [
      // variableCoercionPlugin must stay first (see its comment).
      variableCoercionPlugin(schema),
      queryLimitsPlugin(schema, { maxDepth: config.maxDepth, maxComplexity: config.maxComplexity }),
      workLimitsPlugin(schema, config.limits),
      responseCachePlugin(),
      primaryForWritesPlugin(),
      // The landing page is the same whatever NODE_ENV says (production, as bin/serviceatlas.mjs sets it,
      // would switch Apollo to its production page).
      ApolloServerPluginLandingPageLocalDefault(),
      // No cache hints are given, so Apollo's cache-control plugin only ever said `no-store` — at the
      // price of a hook on every resolved field; the handler sets that header itself.
      ApolloServerPluginCacheControlDisabled(),
    ],
    formatError: (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
      // A field the resolver guard does not wrap (neither a root nor a priced field) may still fail with a
      // use case's DomainError: the same mapping as the guard's (toAppError) gives it its code and field.
      const original = unwrapResolverError(error);
      if (!(original instanceof GraphQLError)) {
        const expected = toAppError(original);
        if (expected) {
          const { http: _h, ...extensions } = expected.extensions;
          return {
            message: expected.message,
            locations: formatted.locations,
            path: formatted.path,
            extensions,
          };
        }
      }
      const code = String(formatted.extensions?.code ?? '');
      if (KNOWN_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
        const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
        return { ...formatted, extensions };
      }
      // Apollo's own refusals of a malformed request carry an HTTP 4xx status and no code (e.g. a
      // persisted query it cannot use): the client's mistake, BAD_REQUEST, not a server error.
      const status = error instanceof GraphQLError ? httpStatusOf(error) : undefined;
      if (status !== undefined && status >= 400 && status < 500 && formatted.path === undefined) {
        return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
      }
      log.error({ err: error }, 'unexpected GraphQL error');
      return {
        message: 'Internal server error',
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    },
  });
  await apollo.start();

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (applyCors(req, res, config.corsOrigins)) return;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const viewer = await authenticate(req.headers.authorization, services);
    if (!guard.admit(req, res, viewer)) return;
    if (config.readAuth === 'key' && !viewer.principal) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(
        JSON.stringify({
          errors: [
            {
              message: unauthenticatedMessage(viewer, 'Requests to this server'),
              extensions: { code: 'UNAUTHENTICATED' },
            },
          ],
        }),
      );
      return;
    }
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, config.limits.maxBodyBytes);
      if (raw === null) return guard.bodyTooLarge(res);
      try {
        body = raw.length > 0 ? JSON.parse(raw) : {};
      } catch {
        // Apollo's code for a malformed request (it answers the same for a body it cannot use).
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errors: [{ message: 'Body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
          }),
        );
        return;
      }
    }
    const refusal = checkRequest(req.method ?? 'GET', body, url, config.limits);
    if (refusal) {
      res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: refusal.extensions }] }));
      return;
    }
    // One version look-up per request (none on the embedded database): the cache key and the snapshot
    // both use it. If it fails (a database restart), the request goes uncached and its resolvers report
    // the failure as GraphQL errors, as before.
    // Read-your-writes: a client passes the version a write returned (X-Data-Version) as minVersion, and a
    // key that wrote through this replica is never answered from older data; reads below it go elsewhere.
    // A key's own last write through any replica comes with the key (read on the primary: Principal.lastWrites).
    const minWrites = Math.max(
      minVersionOf(req, url),
      lastWrites.get(viewer.principal?.id ?? '') ?? 0,
      viewer.principal?.lastWrites ?? 0,
    );
    const read = await services.read(minWrites).catch(() => undefined);
    const versions = read?.versions;
    const key =
      versions &&
      cache.keyOf({
        versions,
        day: new Date().toISOString().slice(0, 10),
        method: req.method ?? 'GET',
        body,
        accept: req.headers.accept,
        contentType: req.headers['content-type'],
        viewer,
      });
    // GET GraphQL is an HTTP-cacheable read: its ETag names the data versions, the day, the request and
    // who asks, so a revalidation after no write is a 304 with no work (any cache or CDN in front can keep it).
    const etag = req.method === 'GET' && versions ? graphqlEtag(versions, url, viewer.principal?.id) : null;
    // A keyed answer is the key holder's: browsers may keep it, shared caches not.
    const getCacheControl = viewer.principal ? PRIVATE_GET_CACHE_CONTROL : GET_CACHE_CONTROL;
    if (etag && etagMatches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, {
        etag,
        'cache-control': getCacheControl,
        'x-data-version': String(versions!.writes),
      });
      res.end();
      return;
    }
    if (key) {
      const cached = await cache.lookup(key);
      if (cached) {
        const headers = { ...cached.headers, 'x-data-version': String(versions!.writes) };
        if (etag) Object.assign(headers, { etag, 'cache-control': getCacheControl });
        return writeCompressed(req, res, cached.status, headers, cached.body, cached.encodings);
      }
    }
    const settle = key ? cache.lead(key) : null;
    try {
      const cacheNote: CacheNote = { cacheable: false };
      const state = guard.newState();
      const result = await runWithRequestState(state, () =>
        apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
          context: async () =>
            createContext(
              services,
              viewer,
              read ? { versions: read.versions, target: read.target, cacheNote } : { cacheNote },
            ),
        }),
      ).finally(() => state.finish());
      const out: Record<string, string> = {};
      for (const [k, v] of result.headers) out[k] = v;
      // A POST answer is not for HTTP caches (what Apollo's cache-control plugin said without hints); a
      // GET one is, revalidated by its ETag. X-Data-Version: the version the answer was read at, or after a
      // mutation the primary's version including it — a client passes it back as minVersion.
      if (etag && (result.status ?? 200) === 200) {
        out.etag = etag;
        out['cache-control'] = getCacheControl;
      }
      out['cache-control'] ??= 'no-store';
      if (cacheNote.mutation) {
        const after = await services.reads.primaryVersions().catch(() => undefined);
        if (after) {
          out['x-data-version'] = String(after.writes);
          if (viewer.principal) rememberWrite(viewer.principal.id, after.writes);
          // …and on the primary for an API key, so every other replica honours it too.
          if (viewer.principal?.via === 'key')
            await recordKeyWrite(services.db, viewer.principal.id, after.writes).catch((error: unknown) =>
              log.warn({ err: error }, 'the key’s last write version could not be recorded'),
            );
        }
      } else if (versions) out['x-data-version'] = String(versions.writes);
      if (result.body.kind === 'complete') {
        const oversized = guard.oversized(result.body.string);
        if (oversized) delete out['content-length'];
        const status = oversized ? 400 : (result.status ?? 200);
        if (settle && cacheNote.cacheable && !oversized && status === 200) {
          const body = Buffer.from(result.body.string, 'utf8');
          const kept: CachedResponse = { status, headers: { ...out }, body, encodings: {} };
          settle(kept);
          await writeCompressed(req, res, status, out, body, kept.encodings);
        } else {
          settle?.(null);
          await writeCompressed(req, res, status, out, oversized ?? result.body.string);
        }
      } else {
        settle?.(null);
        res.writeHead(result.status ?? 200, out);
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } finally {
      settle?.(null);
    }
  }

  return { handle, cache, guard, stop: () => apollo.stop() };
}

/** GET answers may be kept by any cache, but revalidated each time (their ETag changes with every write). */
const GET_CACHE_CONTROL = 'public, max-age=0, must-revalidate';
const PRIVATE_GET_CACHE_CONTROL = 'private, max-age=0, must-revalidate';

/** Keys that wrote through this replica and the primary's version after their last write (a few thousand). */
const lastWrites = new Map<string, number>();
function rememberWrite(principal: string, writes: number): void {
  lastWrites.delete(principal);
  lastWrites.set(principal, Math.max(writes, lastWrites.get(principal) ?? 0));
  if (lastWrites.size > 5_000) lastWrites.delete(lastWrites.keys().next().value!);
}

/** `minVersion` (query parameter) or `X-Min-Version` (header): a `writes` version the answer must include. */
function minVersionOf(req: IncomingMessage, url: URL): number {
  const raw = url.searchParams.get('minVersion') ?? req.headers['x-min-version'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function graphqlEtag(versions: DataVersions, url: URL, principal: string | undefined): string {
  const day = new Date().toISOString().slice(0, 10);
  const hash = createHash('sha1')
    .update(`${url.search}|${principal ?? ''}|${day}`)
    .digest('base64url')
    .slice(0, 16);
  return `"g${versions.snapshot}.${versions.writes}-${hash}"`;
}

/**
 * Sends a mutation (and reads of keys and the audit log) to the primary once the operation is known:
 * the request's context was built for reads on a standby.
 */
function primaryForWritesPlugin(): ApolloServerPlugin<Context> {
  const PRIMARY_FIELDS = new Set(['auditLog', 'apiKeys', 'keys']);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (!operation) return;
          const writes = operation.operation === 'mutation';
          const primaryRead = operation.selectionSet.selections.some(
            (s) => s.kind === Kind.FIELD && PRIMARY_FIELDS.has(s.name.value),
          );
          if (writes && contextValue.cacheNote) contextValue.cacheNote.mutation = true;
          if (writes || primaryRead) onPrimary(contextValue);
        },
      };
    },
  };
}

/** The HTTP status a GraphQLError asks for in extensions.http (Apollo's convention), if any. */
function httpStatusOf(error: GraphQLError): number | undefined {
  const http = error.extensions.http as { status?: unknown } | undefined;
  return typeof http?.status === 'number' ? http.status : undefined;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let ended = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      ended = true;
      resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    // A client that goes away mid-body: reported once, as an abort (src/http/hygiene.ts logs it at info).
    req.on('close', () => {
      if (!ended) reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    });
  });
}
