import { AppError, badInput } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 50;

/** Opaque cursors: base64url of "k:<id>" (keyset on the row id). */
export function encodeCursor(id: string | number): string {
  return Buffer.from(`k:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^k:(\d{1,15})$/.exec(text);
  if (!m?.[1])
    throw badInput(
      `Invalid cursor ${JSON.stringify(cursor)}: pass an endCursor from a previous page`,
      'after',
    );
  return Number(m[1]);
}

/** Validates `first` against the server's cap; an over-large page is refused with a clear error. */
export function pageSize(first: number | null | undefined, max: number): number {
  if (first == null) return Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(first) || first < 0) throw badInput('first must be a non-negative integer', 'first');
  if (first > max) {
    throw new AppError(
      'BAD_USER_INPUT',
      `first must be at most ${max} (the page size cap); page with after/endCursor`,
      {
        field: 'first',
        maxPageSize: max,
      },
    );
  }
  return first;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  /**
   * Items over all pages: a number, or a function that counts them (a query), called only when a client
   * selects `totalCount` (see `defineConnection`).
   */
  totalCount: number | (() => Promise<number>);
}

/** A Relay page from its nodes and their cursors. */
export function buildPage<T>(
  nodes: T[],
  cursorOf: (node: T, index: number) => string,
  flags: { hasNextPage: boolean; hasPreviousPage: boolean; totalCount: Page<T>['totalCount'] },
): Page<T> {
  const edges = nodes.map((node, i) => ({ cursor: cursorOf(node, i), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: flags.hasNextPage,
      hasPreviousPage: flags.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: flags.totalCount,
  };
}

/** A page of stored rows with keyset cursors on their ids; `count` runs only if totalCount is selected. */
export function toPage<T extends { id: string }>(
  nodes: T[],
  hasNextPage: boolean,
  count: () => Promise<number>,
  hasPreviousPage: boolean,
): Page<T> {
  let counted: Promise<number> | undefined;
  // Memoised: `totalCount` selected twice (aliases, fragments) still counts once.
  const totalCount = () => {
    counted ??= count();
    return counted;
  };
  return buildPage(nodes, (node) => encodeCursor(node.id), { hasNextPage, hasPreviousPage, totalCount });
}
