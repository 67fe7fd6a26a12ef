import type {
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { Kind } from 'graphql';

export interface DocumentCounts {
  /** Aliased fields, fragments expanded (each spread counts its fragment's aliases again). */
  aliases: number;
  /** Fields selected at the operation's root (fragments expanded), aliases included. */
  rootFields: number;
  /** Directives anywhere in the document. */
  directives: number;
}

/**
 * Counts what the alias, root-field and directive limits look at, in one pass per fragment (memoised, so a
 * fragment spread a thousand times is counted, not walked, a thousand times; cycles count zero — graphql
 * validation refuses them anyway).
 */
export function countDocument(document: DocumentNode, operation: OperationDefinitionNode): DocumentCounts {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let directives = 0;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  // Directives: every node in the document's text, operation or not (a cheap lexical bound).
  const countDirectives = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) countDirectives(n);
      return;
    }
    const n = node as Record<string, unknown>;
    if (n.kind === Kind.DIRECTIVE) directives++;
    for (const key of ['definitions', 'selectionSet', 'selections', 'directives', 'variableDefinitions'])
      countDirectives(n[key]);
  };
  countDirectives(document);

  const aliasMemo = new Map<string, number>();
  const aliasesIn = (set: SelectionSetNode | undefined, visiting: Set<string>): number => {
    if (!set) return 0;
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += (s.alias ? 1 : 0) + aliasesIn(s.selectionSet, visiting);
      else if (s.kind === Kind.INLINE_FRAGMENT) n += aliasesIn(s.selectionSet, visiting);
      else {
        const name = s.name.value;
        if (visiting.has(name)) continue;
        let m = aliasMemo.get(name);
        if (m === undefined) {
          visiting.add(name);
          m = aliasesIn(fragments.get(name)?.selectionSet, visiting);
          visiting.delete(name);
          aliasMemo.set(name, m);
        }
        n += m;
      }
    }
    return n;
  };
  const rootFieldsIn = (set: SelectionSetNode | undefined, visiting: Set<string>): number => {
    if (!set) return 0;
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += 1;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += rootFieldsIn(s.selectionSet, visiting);
      else if (!visiting.has(s.name.value)) {
        visiting.add(s.name.value);
        n += rootFieldsIn(fragments.get(s.name.value)?.selectionSet, visiting);
        visiting.delete(s.name.value);
      }
    }
    return n;
  };
  return {
    aliases: aliasesIn(operation.selectionSet, new Set()),
    rootFields: rootFieldsIn(operation.selectionSet, new Set()),
    directives,
  };
}
