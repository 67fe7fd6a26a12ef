import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { Kind, visit } from 'graphql';
import type { LimitsConfig } from '../config.js';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { countDocument } from './document-limits.js';
import { operationCost, reportable } from './document-walk.js';
import { currentRequestState } from './request-state.js';
import { WORK_PRICED_FIELD_NAMES, workEstimator } from './work-cost.js';
import { workScaleOf } from './work-scale.js';

/** A refusal naming its limit: QUERY_TOO_COMPLEX with { limit, max, actual } in the extensions. */
export function overLimit(limit: string, max: number, actual: number, message: string): AppError {
  return new AppError('QUERY_TOO_COMPLEX', `${message} (${limit}: ${actual} > ${max})`, {
    limit,
    max,
    actual,
  });
}

/** Whether the document names a work-priced field anywhere (then pricing needs the snapshot's sizes). */
function mentionsWorkPricedField(
  operation: OperationDefinitionNode,
  document: { definitions: readonly unknown[] },
) {
  let found = false;
  const check = (node: unknown) =>
    visit(node as OperationDefinitionNode, {
      Field(f) {
        if (WORK_PRICED_FIELD_NAMES.has(f.name.value)) found = true;
      },
    });
  check(operation);
  for (const d of document.definitions as { kind: string }[])
    if (d.kind === Kind.FRAGMENT_DEFINITION) check(d);
  return found;
}

/**
 * Refuses, before anything runs: too many aliases, root fields or directives, and more estimated work or
 * response bytes than one request may have (each refusal names its limit, the maximum and the value).
 * Also frees the request's heavy-queue slot when the response is sent.
 */
export function workLimitsPlugin(schema: GraphQLSchema, limits: LimitsConfig): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          const counts = countDocument(document, operation);
          if (counts.aliases > limits.maxAliases)
            throw overLimit(
              'maxAliases',
              limits.maxAliases,
              counts.aliases,
              'Too many aliases in one request',
            );
          if (counts.rootFields > limits.maxRootFields)
            throw overLimit(
              'maxRootFields',
              limits.maxRootFields,
              counts.rootFields,
              'Too many root fields in one request',
            );
          if (counts.directives > limits.maxDirectives)
            throw overLimit('maxDirectives', limits.maxDirectives, counts.directives, 'Too many directives');
          if (!mentionsWorkPricedField(operation, document)) return;
          const scale = workScaleOf(await contextValue.snapshot());
          const bytes = { total: 0 };
          const work = reportable(
            operationCost({
              schema,
              document,
              operation,
              variables: request.variables,
              estimators: [workEstimator(scale, bytes)],
            }),
          );
          if (work > limits.maxWork)
            throw overLimit(
              'maxWork',
              limits.maxWork,
              work,
              'The request asks for more work than one request may do; ask for a smaller area, fewer types, candidates, changes or aliases',
            );
          if (bytes.total > limits.maxResponseBytes)
            throw overLimit(
              'maxResponseBytes',
              limits.maxResponseBytes,
              reportable(Math.round(bytes.total)),
              'The estimated response is too large; ask for a smaller bbox, fewer parts or fewer aliases',
            );
        },
        async willSendResponse() {
          currentRequestState()?.finish();
        },
      };
    },
  };
}
