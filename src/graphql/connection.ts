import type { ObjectRef, SchemaTypes } from '@pothos/core';
import type { Page } from './pagination.js';
import { builder } from './builder.js';

type BuilderTypes =
  typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types extends SchemaTypes> ? Types : never;

export const PageInfoRef = builder.objectRef<Page<unknown>['pageInfo']>('PageInfo').implement({
  description: 'Relay page information.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'More items follow this page.' }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'Items precede this page.' }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'Cursor of the first item.' }),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: 'Cursor of the last item: pass it as `after` for the next page.',
    }),
  }),
});

/** Defines `<Name>Connection` and `<Name>Edge` for a node type (Relay cursor connections with totalCount). */
export function defineConnection<T>(name: string, nodeRef: ObjectRef<BuilderTypes, T>, description: string) {
  const edge = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    description: `An edge in a ${name}Connection.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: 'Opaque cursor of this edge.' }),
      node: t.field({
        type: nodeRef, // T is generic here, so Pothos cannot resolve its conditional result type: hence `as never`.
        resolve: (e) => e.node as never,
        description: `The ${name}.`,
      }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    description,
    fields: (t) => ({
      edges: t.field({ type: [edge], resolve: (p) => p.edges, description: 'The page, with cursors.' }),
      nodes: t.field({
        type: [nodeRef],
        resolve: (p) => p.nodes as never,
        description: 'The page, without cursors.',
      }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (p) => p.pageInfo, description: 'Paging state.' }),
      totalCount: t.int({
        description: 'Items matching the filter, over all pages.',
        // Stored lists count with a query, only when this field is selected.
        resolve: (p) => (typeof p.totalCount === 'function' ? p.totalCount() : p.totalCount),
      }),
    }),
  });
}
