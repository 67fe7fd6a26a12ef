import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, FragmentDefinitionNode, GraphQLSchema, SelectionSetNode } from 'graphql';
import { Kind } from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { AppError } from '../errors.js';

/**
 * Cost of a field: its children's cost times the page or list size it asks for (`first`, `limit`,
 * `count`), so `settlements(first: 500) { access }` costs 500× what one settlement's access costs.
 */
const listSizeEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  const size = [args.first, args.limit, args.count].find((v): v is number => typeof v === 'number');
  if (size !== undefined) return 1 + Math.max(1, size) * Math.max(1, childComplexity);
  // Per-type lists (Settlement.access, Settlement.gaps) return one item per requested type, or per
  // catalogue type when none is named: the catalogue has 9 by default.
  if (field.args.some((a) => a.name === 'serviceTypes') && field.name !== 'accessIndicators') {
    const types = Array.isArray(args.serviceTypes) ? args.serviceTypes.length : TYPICAL_CATALOGUE_SIZE;
    return 1 + Math.max(1, types) * Math.max(1, childComplexity);
  }
  return undefined;
};

const TYPICAL_CATALOGUE_SIZE = 9;

/**
 * Introspection roots, exempt from the depth limit: the standard introspection query (GraphiQL, Apollo
 * Sandbox, codegen, Rover) is 15 deep just to unwrap `ofType` chains, and it reads the schema, not data.
 */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** Depth of the deepest selection (fragments followed; `__schema`/`__type` selections not counted). */
export function operationDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD && INTROSPECTION_ROOTS.has(s.name.value)) continue;
      if (s.kind === Kind.FIELD) max = Math.max(max, s.selectionSet ? 1 + depthOf(s.selectionSet, seen) : 1);
      else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(s.selectionSet, seen));
      else if (!seen.has(s.name.value)) {
        const f = fragments.get(s.name.value);
        max = Math.max(max, depthOf(f?.selectionSet, new Set([...seen, s.name.value])));
      }
    }
    return max;
  };
  let depth = 0;
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName)) {
      depth = Math.max(depth, depthOf(d.selectionSet, new Set()));
    }
  }
  return depth;
}

/** Refuses queries deeper than maxDepth or costlier than maxComplexity with QUERY_TOO_COMPLEX. */
export function queryLimitsPlugin(
  schema: GraphQLSchema,
  limits: { maxDepth: number; maxComplexity: number },
) {
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const depth = operationDepth(document, request.operationName);
          if (depth > limits.maxDepth) {
            throw new AppError(
              'QUERY_TOO_COMPLEX',
              `Query depth ${depth} exceeds the limit of ${limits.maxDepth}`,
              {
                depth,
                maxDepth: limits.maxDepth,
              },
            );
          }
          const complexity = getComplexity({
            schema,
            query: document,
            operationName: request.operationName ?? undefined,
            variables: request.variables ?? {},
            estimators: [listSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > limits.maxComplexity) {
            throw new AppError(
              'QUERY_TOO_COMPLEX',
              `Query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}; ask for smaller pages or fewer fields`,
              { complexity, maxComplexity: limits.maxComplexity },
            );
          }
        },
      };
    },
  };
  return plugin;
}
