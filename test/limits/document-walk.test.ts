import fc from 'fast-check';
import type { OperationDefinitionNode } from 'graphql';
import { Kind, buildSchema, parse } from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { doublingFragments } from '../helpers/hostile-documents.js';
import { countDocument } from '../../src/limits/document-limits.js';
import { documentNesting, jsonNesting } from '../../src/limits/document-nesting.js';
import type { Estimator } from '../../src/limits/document-walk.js';
import {
  fieldCountEstimator,
  operationCost,
  reportable,
  selectionDepth,
} from '../../src/limits/document-walk.js';

/**
 * The document walks behind every request limit (depth, complexity, work, aliases, root fields) cost
 * O(document): a fragment is walked once however often it is spread. Issue 19: an 898-byte anonymous
 * query with `fragment Fi on Query { ...Fi+1 ...Fi+1 }` nested 22 deep blocked the server 11 s (the
 * walks re-walked a fragment at every spread). Their values are checked against independent oracles:
 * graphql-query-complexity (the library the cost walk replaces) on ordinary documents, and a brute-force
 * expansion of the fragments on random small fragment graphs.
 */

const operationOf = (document: ReturnType<typeof parse>) =>
  document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;

describe('doubling fragments (the probe’s 898-byte query)', () => {
  it.each([22, 25, 60, 120])('%i deep: exact counts, each fragment walked once', (n) => {
    const document = parse(doublingFragments(n));
    const operation = operationOf(document);
    if (n === 22) expect(doublingFragments(n).length).toBe(899);
    // 2^n leaves of one field each at the root; no nesting, no aliases.
    expect(selectionDepth(document, operation)).toBe(1);
    const counts = countDocument(document, operation);
    expect(counts.rootFields).toBe(reportable(2 ** n));
    expect(counts.aliases).toBe(0);
    const cost = operationCost({
      schema,
      document,
      operation,
      variables: {},
      estimators: [fieldCountEstimator],
    });
    expect(cost).toBe(2 ** n);
  });

  it('a count past 1e308 is Infinity, still over every limit, reported as 2^53 − 1 (JSON has no Infinity)', () => {
    // 200 spreads of the next fragment, 140 deep: 200^140 fields.
    const document = parse(doublingFragments(140, 200));
    const operation = operationOf(document);
    const cost = operationCost({
      schema,
      document,
      operation,
      variables: {},
      estimators: [fieldCountEstimator],
    });
    expect(cost).toBe(Number.POSITIVE_INFINITY);
    expect(reportable(cost)).toBe(Number.MAX_SAFE_INTEGER);
    expect(countDocument(document, operation).rootFields).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('a fragment walked once: a spy estimator sees the leaf field once however often it is spread', () => {
    const document = parse(doublingFragments(25));
    let calls = 0;
    const spy: Estimator = ({ childComplexity }) => {
      calls++;
      return 1 + childComplexity;
    };
    operationCost({ schema, document, operation: operationOf(document), variables: {}, estimators: [spy] });
    expect(calls).toBe(1);
  });
});

/** A schema with an interface and a union, to compare costs per possible type with the library's. */
const abstractSchema = buildSchema(`
  interface Node { id: ID! }
  type Town implements Node { id: ID! name: String pop: Int shops(first: Int): [Shop!]! }
  type Shop implements Node { id: ID! name: String kinds: [String!]! }
  union Hit = Town | Shop
  type Query {
    node(id: ID!): Node
    search(text: String, first: Int): [Hit!]!
    towns(first: Int, skipBig: Boolean): [Town!]!
  }
`);

const firstEstimator: Estimator = ({ args, childComplexity }) =>
  typeof args.first === 'number' ? 2 + args.first * Math.max(1, childComplexity) : undefined;

const ORDINARY: { schema: typeof schema; query: string; variables?: Record<string, unknown> }[] = [
  { schema: abstractSchema, query: '{ towns(first: 10) { id name shops(first: 3) { id kinds } } }' },
  {
    schema: abstractSchema,
    query: `query($n: Int, $s: Boolean!) { towns(first: $n) { ...T shops(first: 2) @skip(if: $s) { name } } }
            fragment T on Town { id name pop }`,
    variables: { n: 7, s: true },
  },
  {
    schema: abstractSchema,
    query: `{ search(text: "a", first: 5) { ... on Town { id name pop } ... on Shop { id } ...N } node(id: "1") { ...N ...S } }
            fragment N on Node { id } fragment S on Shop { name kinds }`,
  },
  {
    schema: abstractSchema,
    query: `query($i: Boolean!) { towns(first: 4) { ...A ...A @include(if: $i) } } fragment A on Town { ...B shops(first: 2) { ...C } } fragment B on Town { id pop } fragment C on Shop { id ...D } fragment D on Node { id }`,
    variables: { i: false },
  },
  {
    schema,
    query: `query($a: AreaInput) { settlements(first: 20) { nodes { ...S access(serviceTypes: [GROCERY, POST]) { travelMinutes } } } accessIndicators(groupBy: MUNICIPALITY, area: $a) { areaCode } }
            fragment S on Settlement { id name population }`,
    variables: { a: { municipalityCode: '2085' } },
  },
  {
    schema,
    query: `{ a: servicePoints(first: 3) { ...P } b: servicePoints(first: 4) { ...P } } fragment P on ServicePointConnection { totalCount nodes { id name } }`,
  },
];

describe('operationCost agrees with graphql-query-complexity on ordinary documents', () => {
  it.each(ORDINARY.map((c, i) => [i, c] as const))('document %i', (_i, c) => {
    const document = parse(c.query);
    for (const estimators of [[fieldCountEstimator], [firstEstimator, fieldCountEstimator]]) {
      const ours = operationCost({
        schema: c.schema,
        document,
        operation: operationOf(document),
        variables: c.variables,
        estimators,
      });
      const theirs = getComplexity({
        schema: c.schema,
        query: document,
        variables: c.variables ?? {},
        estimators: [
          ...(estimators.length > 1 ? [firstEstimator as never] : []),
          simpleEstimator({ defaultComplexity: 1 }),
        ],
      });
      expect(ours).toBe(theirs);
    }
  });
});

/**
 * Random fragment DAGs on Query (fragment i spreads fragments > i, with optional aliases and nested
 * selections), checked against a brute-force expansion of the text (feasible because the graphs are small).
 */
describe('random fragment graphs against brute-force expansion', () => {
  interface Frag {
    spreads: number[];
    fields: { alias: boolean; nested: boolean }[];
  }
  const graph = fc.integer({ min: 1, max: 7 }).chain((n) =>
    fc.array(
      fc.record({
        spreads: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
        fields: fc.array(fc.record({ alias: fc.boolean(), nested: fc.boolean() }), { maxLength: 3 }),
      }),
      { minLength: n, maxLength: n },
    ),
  );
  interface Expanded {
    fields: number;
    aliases: number;
    depth: number;
    cost: number;
  }
  const render = (frags: Frag[]) => {
    const spreadsOf = (i: number) => frags[i]!.spreads.filter((j) => j > i && j < frags.length);
    // A fragment with nothing else selects __typename.
    const fieldsOf = (i: number) =>
      frags[i]!.fields.length + spreadsOf(i).length === 0
        ? [{ alias: false, nested: false }]
        : frags[i]!.fields;
    let text = '{ ...F0 }\n';
    let alias = 0;
    frags.forEach((_, i) => {
      const fields = fieldsOf(i).map((x) => {
        const name = x.alias ? `a${alias++}: ` : '';
        return x.nested ? `${name}travelModel { speedKmh }` : `${name}__typename`;
      });
      text += `fragment F${i} on Query { ${[...fields, ...spreadsOf(i).map((j) => `...F${j}`)].join(' ')} }\n`;
    });
    // Brute force: expand the spreads recursively (no memo).
    const expand = (i: number): Expanded => {
      const own = fieldsOf(i);
      const e: Expanded = {
        fields: own.length,
        aliases: own.filter((x) => x.alias).length,
        depth: own.reduce((d, x) => Math.max(d, x.nested ? 2 : 1), 0),
        cost: own.reduce((c, x) => c + (x.nested ? 2 : 1), 0),
      };
      for (const j of spreadsOf(i)) {
        const sub = expand(j);
        e.fields += sub.fields;
        e.aliases += sub.aliases;
        e.depth = Math.max(e.depth, sub.depth);
        e.cost += sub.cost;
      }
      return e;
    };
    return { text, expected: expand(0) };
  };

  it('root fields, aliases, depth and cost equal the expansion’s', () => {
    fc.assert(
      fc.property(graph, (frags) => {
        const { text, expected } = render(frags);
        const document = parse(text);
        const operation = operationOf(document);
        const counts = countDocument(document, operation);
        expect(counts.rootFields).toBe(expected.fields);
        expect(counts.aliases).toBe(expected.aliases);
        expect(selectionDepth(document, operation)).toBe(expected.depth);
        expect(
          operationCost({ schema, document, operation, variables: {}, estimators: [fieldCountEstimator] }),
        ).toBe(expected.cost);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * documentNesting (the lexical pre-check) against an oracle: the document with every spread replaced by
 * its fragment's text, inlined (`... on Query { body }`), whose bracket depth is counted character by
 * character.
 */
describe('documentNesting against textual inlining', () => {
  const bracketDepth = (text: string) => {
    let level = 0;
    let max = 0;
    for (const c of text) {
      if (c === '{' || c === '(' || c === '[') max = Math.max(max, ++level);
      else if (c === '}' || c === ')' || c === ']') level--;
    }
    return max;
  };
  const graph = fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.array(
      fc.record({
        spreads: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
        wrap: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      }),
      { minLength: n, maxLength: n },
    ),
  );

  it('equals the bracket depth of the inlined document', () => {
    fc.assert(
      fc.property(graph, (frags) => {
        // Fragment i: its spreads (to later fragments), each wrapped `w` levels deep in travelModel-like
        // selections with an argument list, so braces and parentheses both count.
        const bodyOf = (i: number, inline: (j: number) => string): string => {
          const parts = frags[i]!.spreads.filter((j) => j > i && j < frags.length).map((j, k) => {
            const w = frags[i]!.wrap[k] ?? 0;
            return `${'settlements(first: [1]) { nodes { '.repeat(w)}${inline(j)}${' } }'.repeat(w)}`;
          });
          return `{ __typename ${parts.join(' ')} }`;
        };
        let text = '# a comment { { {\nquery Q { ...F0 }\n';
        frags.forEach((_, i) => {
          text += `fragment F${i} on Query ${bodyOf(i, (j) => `...F${j}`)}\n`;
        });
        const inlined = (i: number): string => `... on Query ${bodyOf(i, inlined)}`;
        const oracle = bracketDepth(`query Q { ${inlined(0)} }`);
        expect(documentNesting(text, 50_000)).toBe(oracle);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores brackets in strings and comments, and refuses nothing it cannot lex', () => {
    expect(documentNesting('{ a(s: "{{{{[[[(((") } # {{{{{{{{', 100)).toBe(2);
    expect(documentNesting('{ a(s: """ {{{{ """) }', 100)).toBe(2);
    expect(documentNesting('{ a(s: "unterminated', 100)).toBeNull();
    expect(documentNesting('{ a b c d e }', 3)).toBeNull();
  });
});

describe('jsonNesting', () => {
  it('counts arrays and objects without recursion, and stops past the bound', () => {
    expect(jsonNesting(1, 10)).toBe(0);
    expect(jsonNesting({ a: [1, { b: [] }] }, 10)).toBe(4);
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(jsonNesting(deep, 128)).toBe(129);
  });
});
