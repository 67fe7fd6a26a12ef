import { readFileSync } from 'node:fs';
import type { IntrospectionQuery } from 'graphql';
import { buildClientSchema, buildSchema, getIntrospectionQuery, printSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * What GraphiQL, Apollo Sandbox, graphql-codegen, Rover and graphql-inspector do to load a schema: the
 * standard introspection query (depth 15, over the default depth limit of 12) over HTTP, then
 * `buildClientSchema`. The schema they get must be the committed SDL.
 */
describe('standard introspection over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  for (const [tool, options] of [
    ['GraphiQL / codegen (default options)', {}],
    [
      'Rover / graphql-inspector (descriptions, deprecated args, repeatable directives)',
      {
        descriptions: true,
        inputValueDeprecation: true,
        directiveIsRepeatable: true,
        specifiedByUrl: true,
        schemaDescription: true,
      },
    ],
  ] as const) {
    it(`loads the committed schema as ${tool}`, async () => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
        },
        body: JSON.stringify({ query: getIntrospectionQuery(options), operationName: 'IntrospectionQuery' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data?: IntrospectionQuery; errors?: unknown };
      expect(body.errors).toBeUndefined();
      const client = buildClientSchema(body.data!);
      const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
      expect(printSchema(client)).toBe(printSchema(buildSchema(committed)));
    });
  }
});
