import type { DocumentNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { Kind } from 'graphql';
import { fragmentMemo, fragmentsOf, reportable } from './document-walk.js';

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
  const fragments = fragmentsOf(document);
  let directives = 0;
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

  // Aliases anywhere below a point, and fields at the operation's root: each fragment counted once
  // (fragmentMemo), a spread adding its fragment's count.
  const aliasesIn = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += (s.alias ? 1 : 0) + aliasesIn(s.selectionSet);
      else if (s.kind === Kind.INLINE_FRAGMENT) n += aliasesIn(s.selectionSet);
      else n += fragmentAliases(s.name.value);
    }
    return n;
  };
  const fragmentAliases = fragmentMemo(fragments, (f) => aliasesIn(f.selectionSet), 0);
  const rootFieldsIn = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += 1;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += rootFieldsIn(s.selectionSet);
      else n += fragmentRootFields(s.name.value);
    }
    return n;
  };
  const fragmentRootFields = fragmentMemo(fragments, (f) => rootFieldsIn(f.selectionSet), 0);
  return {
    aliases: reportable(aliasesIn(operation.selectionSet)),
    rootFields: reportable(rootFieldsIn(operation.selectionSet)),
    directives,
  };
}
