import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';

/** Writes the SDL to schema/schema.graphql (committed; test/api/schema.test.ts fails when it is stale). */
writeFileSync(new URL('../schema/schema.graphql', import.meta.url), `${printSchema(schema)}\n`);
console.log('wrote schema/schema.graphql');
