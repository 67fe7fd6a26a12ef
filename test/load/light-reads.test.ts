/**
 * Light reads that need no SQL come from the snapshot: a plain `settlements` page (no filter, today) is
 * served from the loaded snapshot when its settlements are the stored rows (no dated versions), with no
 * SQL besides the data-version read; the same page through SQL (a filter that selects everything) is the
 * oracle. With dated versions present, or with a filter, the page comes from SQL as before.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bumpDataVersion } from '../../src/db/data-version.js';
import { aSettlement, seed } from '../helpers/seed.js';
import type { GraphQLResponse, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

const PAGE = `query($after: String, $filter: SettlementFilter) {
  settlements(first: 2, after: $after, filter: $filter) {
    totalCount nodes { id name population location } pageInfo { hasNextPage endCursor } } }`;

interface Page {
  settlements: {
    totalCount: number;
    nodes: { id: string; name: string }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe('light reads from the snapshot', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { responseCacheBytes: 0 } });
    await seed(server.app.db, {
      settlements: ['Ärna', 'Bäck', 'Dal', 'Ed', 'Fors'].map((name, i) =>
        aSettlement({ name, lon: 15 + i / 10, lat: 60, population: 100 + i }),
      ),
    });
  });
  afterAll(() => server?.close());

  /** Every page of the list, and the SQL statements it took besides the data-version reads. */
  const allPages = async (filter?: Record<string, unknown>) => {
    server.database.queries.length = 0;
    const pages: Page['settlements'][] = [];
    let after: string | null = null;
    do {
      const r: GraphQLResponse<Page> = await server.gql<Page>(PAGE, { after, filter });
      expect(r.errors).toBeUndefined();
      pages.push(r.data!.settlements);
      after = r.data!.settlements.pageInfo.hasNextPage ? r.data!.settlements.pageInfo.endCursor : null;
    } while (after !== null);
    const queries = server.database.queries.filter((q) => !/"data_version"/.test(q));
    return { pages, queries: queries.length };
  };

  const loadSnapshot = async () => {
    expect((await server.gql('{ serviceTypes { code } }')).errors).toBeUndefined();
  };

  it('a plain page comes from the loaded snapshot with no SQL, the same as through SQL', async () => {
    await loadSnapshot();
    const fromSnapshot = await allPages();
    const fromSql = await allPages({ minPopulation: 0 });
    expect(fromSnapshot.pages).toEqual(fromSql.pages);
    expect(fromSnapshot.pages.flatMap((p) => p.nodes.map((n) => n.name))).toEqual([
      'Ärna',
      'Bäck',
      'Dal',
      'Ed',
      'Fors',
    ]);
    expect(fromSnapshot.queries).toBe(0);
    expect(fromSql.queries).toBeGreaterThan(0);
  });

  it('with dated settlement versions the page comes from SQL (the stored rows are not the snapshot)', async () => {
    const first = await server.app.db
      .selectFrom('settlements')
      .select('id')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await server.app.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO settlement_versions (settlement_id, valid_from, present, name, kind, population)
        VALUES (${first.id}, DATE '2020-01-01', true, 'Ärna', 'TATORT', 100)`.execute(trx);
      await bumpDataVersion(trx);
    });
    await loadSnapshot();
    const plain = await allPages();
    expect(plain.queries).toBeGreaterThan(0);
    expect(plain.pages.flatMap((p) => p.nodes.map((n) => n.name))).toEqual([
      'Ärna',
      'Bäck',
      'Dal',
      'Ed',
      'Fors',
    ]);
  });
});
