import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { AppError } from '../errors.js';
import type { Estimator } from '../limits/document-walk.js';
import { fieldCountEstimator, operationCost, reportable, selectionDepth } from '../limits/document-walk.js';

/**
 * Cost of a field: its children's cost times the page or list size it asks for (`first`, `limit`,
 * `count`), so `settlements(first: 500) { access }` costs 500× what one settlement's access costs.
 */
const listSizeEstimator: Estimator = ({ args, childComplexity, field }) => {
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
 * Refuses queries deeper than maxDepth or costlier than maxComplexity with QUERY_TOO_COMPLEX (HTTP 400,
 * `{ limit, max, actual }`). Both walks take time linear in the document (src/limits/document-walk.ts).
 */
export function queryLimitsPlugin(
  schema: GraphQLSchema,
  limits: { maxDepth: number; maxComplexity: number },
) {
  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const depth = selectionDepth(document, operation);
          if (depth > limits.maxDepth) {
            throw new AppError(
              'QUERY_TOO_COMPLEX',
              `Query depth ${depth} exceeds the limit of ${limits.maxDepth}`,
              { limit: 'maxDepth', max: limits.maxDepth, actual: depth, depth, maxDepth: limits.maxDepth },
            );
          }
          const complexity = reportable(
            operationCost({
              schema,
              document,
              operation,
              variables: request.variables,
              estimators: [listSizeEstimator, fieldCountEstimator],
            }),
          );
          if (complexity > limits.maxComplexity) {
            throw new AppError(
              'QUERY_TOO_COMPLEX',
              `Query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}; ask for smaller pages or fewer fields`,
              {
                limit: 'maxComplexity',
                max: limits.maxComplexity,
                actual: complexity,
                complexity,
                maxComplexity: limits.maxComplexity,
              },
            );
          }
        },
      };
    },
  };
  return plugin;
}
