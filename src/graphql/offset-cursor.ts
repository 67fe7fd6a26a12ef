import { badInput } from '../errors.js';
import type { Page } from './pagination.js';
import { buildPage } from './pagination.js';

/** Cursors for computed (not table-ordered) lists such as deserts: base64url of "o:<offset>". */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodeOffsetCursor(cursor: string): number {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m?.[1])
    throw badInput(
      `Invalid cursor ${JSON.stringify(cursor)}: pass an endCursor from a previous page`,
      'after',
    );
  return Number(m[1]);
}

/** One page of an in-memory list, as a Relay connection. */
export function pageOfList<T>(all: readonly T[], first: number, after: string | null | undefined): Page<T> {
  const start = after ? decodeOffsetCursor(after) + 1 : 0;
  return buildPage(all.slice(start, start + first), (_node, i) => encodeOffsetCursor(start + i), {
    hasNextPage: start + first < all.length,
    hasPreviousPage: start > 0,
    totalCount: all.length,
  });
}
