import { readFileSync } from 'node:fs';
import { isObjectType, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';

describe('the GraphQL schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema:print` after changing it)', () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(`${printSchema(schema)}\n`).toBe(committed);
  });

  it('describes every type and every field', () => {
    const undocumented: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name))
        continue;
      if (!type.description) undocumented.push(type.name);
      if (isObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undocumented.push(`${type.name}.${field.name}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('has the contract names map frontends and planners rely on', () => {
    const query = schema.getQueryType()!.getFields();
    for (const name of ['serviceTypes', 'settlement', 'settlements', 'servicePoints'])
      expect(query[name]).toBeDefined();
    expect(query.settlements!.args.map((a) => a.name).sort()).toEqual(['after', 'asOf', 'filter', 'first']);
  });
});
