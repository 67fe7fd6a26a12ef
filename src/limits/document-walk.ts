import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
} from 'graphql';
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
} from 'graphql';

/**
 * Walks of a GraphQL document for the request limits, each O(document): a fragment's value (depth, cost,
 * field count) is computed once and remembered, so `fragment F1 on Query { ...F2 ...F2 }` nested 25 deep
 * costs 26 fragment walks, not 2^25 (issue 19: an 898-byte query blocked the event loop for seconds).
 *
 * Why not a library: graphql-query-complexity 2 re-walks a fragment at every spread (and throws a
 * code-less "maximum allowed number of nodes" error, a 500, past 10,000 visited nodes); graphql-armor's
 * cost-limit has a fixed structural cost model (object/scalar/depth factor) that cannot express the
 * work pricing of src/limits/work-cost.ts. These walks keep the estimator interface the work pricing
 * already uses, with the memo the libraries lack.
 */

/** A field call as the estimators see it (the shape graphql-query-complexity passed them). */
export interface FieldEstimate {
  /** The type the field is selected on (an object or interface type). */
  type: GraphQLCompositeType;
  field: GraphQLField<unknown, unknown>;
  /** The field's arguments, coerced, variables substituted. */
  args: Record<string, unknown>;
  /** The cost of the field's own selection set (0 for a leaf). */
  childComplexity: number;
  node: FieldNode;
}

/** A field's cost, or undefined to leave it to the next estimator. */
export type Estimator = (e: FieldEstimate) => number | undefined;

/** The default estimator: 1 per field plus its children (graphql-query-complexity's simpleEstimator). */
export const fieldCountEstimator: Estimator = ({ childComplexity }) => 1 + childComplexity;

/** Fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(d.name.value)) fragments.set(d.name.value, d);
  return fragments;
}

/**
 * A per-fragment memo: `get(name)` computes a fragment's value once; a fragment met again while its own
 * value is being computed (a cycle, which validation refuses anyway) counts as `cyclic`.
 */
export function fragmentMemo<T>(
  fragments: Map<string, FragmentDefinitionNode>,
  compute: (fragment: FragmentDefinitionNode) => T,
  cyclic: T,
): (name: string) => T {
  const done = new Map<string, T>();
  const visiting = new Set<string>();
  return (name) => {
    const known = done.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || visiting.has(name)) return cyclic;
    visiting.add(name);
    try {
      const value = compute(fragment);
      done.set(name, value);
      return value;
    } finally {
      visiting.delete(name);
    }
  };
}

/**
 * Introspection roots, exempt from the depth limit: the standard introspection query (GraphiQL, Apollo
 * Sandbox, codegen, Rover) is 15 deep just to unwrap `ofType` chains, and it reads the schema, not data.
 */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** Depth of the operation's deepest selection (fragments followed; `__schema`/`__type` not counted). */
export function selectionDepth(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = fragmentsOf(document);
  const depthOf = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (INTROSPECTION_ROOTS.has(s.name.value)) continue;
        max = Math.max(max, s.selectionSet ? 1 + depthOf(s.selectionSet) : 1);
      } else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(s.selectionSet));
      else max = Math.max(max, fragmentDepth(s.name.value));
    }
    return max;
  };
  const fragmentDepth = fragmentMemo(fragments, (f) => depthOf(f.selectionSet), 0);
  return depthOf(operation.selectionSet);
}

/**
 * The cost of an operation under the estimators (the first to return a number prices a field; the field
 * count when none does), graphql-query-complexity's model: a selection set costs the most any of its
 * possible concrete types costs, `@skip`/`@include` honoured. Each fragment is priced once (its cost does
 * not depend on where it is spread: its type condition fixes its fields). Variables are coerced here;
 * when they cannot be, the cost is 0 (variableCoercionPlugin refuses such a request with
 * BAD_USER_INPUT first). The result may be Infinity for an astronomically repetitive document.
 */
export function operationCost(options: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
  estimators: readonly Estimator[];
}): number {
  const { schema, document, operation, estimators } = options;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], options.variables ?? {});
  if (coerced.errors) return 0;
  const variables = coerced.coerced;
  const fragments = fragmentsOf(document);

  const possibleTypeNames = (type: GraphQLCompositeType): string[] =>
    isAbstractType(type) ? schema.getPossibleTypes(type).map((t) => t.name) : [type.name];

  const included = (node: SelectionNode): boolean => {
    if (!node.directives?.length) return true;
    const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
    if (skip?.if === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
    return include?.if !== false;
  };

  const fieldDef = (type: GraphQLCompositeType, name: string) => {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
  };

  const setCost = (set: SelectionSetNode, type: GraphQLCompositeType): number => {
    const possible = possibleTypeNames(type);
    const byType = new Map<string, number>();
    const add = (cost: number, types: readonly string[]) => {
      for (const t of types) byType.set(t, (byType.get(t) ?? 0) + cost);
    };
    for (const s of set.selections) {
      if (!included(s)) continue;
      if (s.kind === Kind.FIELD) {
        const field = fieldDef(type, s.name.value) as GraphQLField<unknown, unknown> | undefined;
        if (!field) continue; // refused by validation
        const fieldType = getNamedType(field.type);
        const childComplexity =
          s.selectionSet && isCompositeType(fieldType) ? setCost(s.selectionSet, fieldType) : 0;
        let args: Record<string, unknown>;
        try {
          args = getArgumentValues(field, s, variables) as Record<string, unknown>;
        } catch {
          args = {}; // execution reports the argument; pricing goes on without it
        }
        const estimate = { type, field, args, childComplexity, node: s };
        let cost: number | undefined;
        for (const estimator of estimators) {
          const c = estimator(estimate);
          if (typeof c === 'number' && !Number.isNaN(c)) {
            cost = c;
            break;
          }
        }
        add(cost ?? fieldCountEstimator(estimate)!, possible);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        const t = s.typeCondition ? schema.getType(s.typeCondition.name.value) : type;
        if (!t || !isCompositeType(t)) continue;
        add(setCost(s.selectionSet, t), possibleTypeNames(t));
      } else {
        const spread = fragmentCost(s.name.value);
        if (spread) add(spread.cost, spread.types);
      }
    }
    let max = 0;
    for (const c of byType.values()) if (c > max) max = c;
    return max;
  };

  const fragmentCost = fragmentMemo<{ cost: number; types: string[] } | null>(
    fragments,
    (f) => {
      const t = schema.getType(f.typeCondition.name.value);
      if (!t || !isCompositeType(t)) return null;
      return { cost: setCost(f.selectionSet, t), types: possibleTypeNames(t) };
    },
    null,
  );

  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return root ? setCost(operation.selectionSet, root) : 0;
}

/** A count for an error's extensions: finite (JSON has no Infinity), at most 2^53 − 1. */
export const reportable = (n: number): number => (Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER);
