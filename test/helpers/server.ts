import type { App } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import type { TestDatabase } from './db.js';
import { freshApp } from './db.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestServer {
  url: string;
  app: App;
  running: RunningServer;
  database: TestDatabase;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string },
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** The real HTTP server on a fresh database and a free port; queries go over HTTP like a client's. */
export async function startTestServer(
  options: { demo?: boolean; config?: Partial<Config>; log?: Logger } = {},
): Promise<TestServer> {
  const { app, database } = await freshApp(options);
  const running = await startServer({ app, config: app.config, port: 0, log: options.log });
  return {
    url: running.url,
    app,
    running,
    database,
    async gql(query, variables, opts) {
      const res = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts?.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: res.status, ...body } as GraphQLResponse<never>;
    },
    async close() {
      await running.close();
      await database.close();
    },
  };
}
