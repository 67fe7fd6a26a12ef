import { ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { viewerFromAuthorization } from '../auth.js';
import type { Config } from '../config.js';
import type { Context } from '../context.js';
import { createContext } from '../context.js';
import { ERROR_CODES } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { queryLimitsPlugin } from './limits.js';

const KNOWN_CODES = new Set<string>(ERROR_CODES);
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Apollo Server with the query limits, typed error masking, and a per-request context. */
export async function createGraphQLHandler(
  schema: GraphQLSchema,
  services: Services,
  config: Config,
  log: Logger,
) {
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: true,
    // The process owns SIGTERM/SIGINT (src/main.ts drains requests, then closes the database); Apollo's
    // own handler would stop it first and re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [queryLimitsPlugin(schema, { maxDepth: config.maxDepth, maxComplexity: config.maxComplexity })],
    formatError: (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
      const code = String(formatted.extensions?.code ?? '');
      if (KNOWN_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
        const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
        return { ...formatted, extensions };
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
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req);
      if (raw === null) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errors: [{ message: 'Request body too large', extensions: { code: 'BAD_USER_INPUT' } }],
          }),
        );
        return;
      }
      try {
        body = raw.length > 0 ? JSON.parse(raw) : {};
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errors: [{ message: 'Body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }],
          }),
        );
        return;
      }
    }
    const viewer = viewerFromAuthorization(req.headers.authorization, config.writeTokens);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => createContext(services, viewer),
    });
    const out: Record<string, string> = {};
    for (const [k, v] of result.headers) out[k] = v;
    res.writeHead(result.status ?? 200, out);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  return { handle, stop: () => apollo.stop() };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
