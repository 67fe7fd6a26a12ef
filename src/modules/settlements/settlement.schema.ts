import { builder } from '../../graphql/builder.js';
import { defineConnection } from '../../graphql/connection.js';
import { validateBBox } from '../../geo/area-filter.js';
import { BBoxInput } from '../../graphql/inputs.js';
import { decodeCursor, pageSize, toPage } from '../../graphql/pagination.js';
import { toGeoJsonPoint } from '../../graphql/scalars.js';
import type { Settlement } from './settlement.repository.js';
import { listSettlements, settlementsMatching } from './settlement.repository.js';

export const SettlementKindEnum = builder.enumType('SettlementKind', {
  description: 'What kind of place people live in.',
  values: {
    TATORT: { description: 'Tätort: urban area with 200+ inhabitants.' },
    SMAORT: { description: 'Småort: 50–199 inhabitants.' },
    VILLAGE: { description: 'A smaller village or hamlet.' },
    GRID_CELL: { description: 'A population grid cell (e.g. SCB 1 km or 250 m).' },
  } as const,
});

export const SettlementRef = builder.objectRef<Settlement>('Settlement');
SettlementRef.implement({
  description: 'A place where people live, with its population and (optionally) connectivity.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque id.' }),
    name: t.exposeString('name', { description: 'Name, e.g. "Ludvika".' }),
    kind: t.field({
      type: SettlementKindEnum,
      resolve: (s) => s.kind,
      description: 'Tätort, småort, village or grid cell.',
    }),
    population: t.exposeInt('population', { description: 'Number of inhabitants.' }),
    population65Plus: t.exposeInt('population65Plus', {
      nullable: true,
      description: 'Inhabitants aged 65+, when known.',
    }),
    municipalityCode: t.exposeString('municipalityCode', {
      nullable: true,
      description: '4-digit SCB kommun code.',
    }),
    countyCode: t.exposeString('countyCode', { nullable: true, description: '2-digit SCB län code.' }),
    location: t.field({
      type: 'Point',
      resolve: (s) => toGeoJsonPoint(s.lon, s.lat),
      description: 'The settlement point (GeoJSON, WGS84).',
    }),
    broadbandShare: t.exposeFloat('broadbandShare', {
      nullable: true,
      description: 'Share of households with fast broadband (0..1), when known.',
    }),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description: 'Id in the source data (e.g. tätortskod).',
    }),
    source: t.exposeString('source', { description: 'Where this record came from.' }),
  }),
});

export const SettlementConnection = defineConnection<Settlement>(
  'Settlement',
  SettlementRef,
  'A page of settlements (Relay connection).',
);

const SettlementFilterInput = builder.inputType('SettlementFilter', {
  description: 'Narrows settlements; all given fields must hold.',
  fields: (t) => ({
    name: t.string({ description: 'Case- and accent-insensitive name prefix ("borl" finds Borlänge).' }),
    municipalityCode: t.string({ description: '4-digit SCB kommun code.' }),
    countyCode: t.string({ description: '2-digit SCB län code.' }),
    bbox: t.field({ type: BBoxInput, description: 'Only settlements inside this box.' }),
    minPopulation: t.int({ description: 'Only settlements with at least this many inhabitants.' }),
    kind: t.field({ type: SettlementKindEnum, description: 'Only this kind.' }),
  }),
});

builder.queryFields((t) => ({
  settlement: t.field({
    type: SettlementRef,
    nullable: true,
    description: 'One settlement by id (null when not found).',
    args: { id: t.arg.id({ required: true, description: 'The settlement id.' }) },
    resolve: (_root, args, ctx) => ctx.loaders.settlement.load(String(args.id)),
  }),
  settlements: t.field({
    type: SettlementConnection,
    description: 'Settlements, filtered and paged (ordered by id).',
    args: {
      filter: t.arg({ type: SettlementFilterInput, description: 'Which settlements.' }),
      first: t.arg.int({ description: 'Page size (default 50, at most the server cap, 500 by default).' }),
      after: t.arg.string({ description: 'Cursor after which the page starts.' }),
      asOf: t.arg({
        type: 'Date',
        description:
          'The settlements as the yearly snapshots recorded them on this date (those that existed then, with ' +
          'their figures then); nested access defaults to the same date.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const first = pageSize(args.first, ctx.config.maxPageSize);
      const afterId = args.after ? decodeCursor(args.after) : null;
      const filter = { ...args.filter, bbox: validateBBox(args.filter?.bbox, 'filter.bbox') };
      if (args.asOf != null) {
        const { settlements } = await ctx.snapshot({ asOf: args.asOf });
        const matching = settlementsMatching(settlements, filter);
        const rest = afterId === null ? matching : matching.filter((s) => Number(s.id) > afterId);
        const page = rest.slice(0, first);
        return toPage(page, rest.length > first, async () => matching.length, afterId !== null);
      }
      if (isEmptyFilter(args.filter)) {
        // A plain page (no filter, today's data): from the loaded snapshot, no SQL, when its settlements
        // are the stored rows (no dated versions; then they are exactly what the SQL would list). Never
        // waits for a snapshot load: without a loaded snapshot of this version the page comes from SQL.
        const versions = ctx.versions ?? (await ctx.services.versions());
        const snapshot = ctx.services.loadedSnapshot(versions.snapshot);
        if (snapshot && ctx.services.hasStoredSettlements(snapshot)) {
          const all = snapshot.settlements;
          const start = afterId === null ? 0 : firstAfter(all, afterId);
          const page = all.slice(start, start + first);
          for (const s of page) ctx.loaders.settlement.prime(s.id, s);
          return toPage(page, start + first < all.length, async () => all.length, afterId !== null);
        }
      }
      const page = await listSettlements(ctx.db, filter, { first, afterId });
      for (const s of page.settlements) ctx.loaders.settlement.prime(s.id, s);
      return toPage(page.settlements, page.hasNextPage, page.count, afterId !== null);
    },
  }),
}));

/** True when a settlements filter selects every settlement (absent, or every field absent). */
function isEmptyFilter(filter: Record<string, unknown> | null | undefined): boolean {
  return filter == null || Object.values(filter).every((v) => v == null);
}

/** The position of the first settlement with an id above `afterId` (settlements ordered by numeric id). */
function firstAfter(settlements: readonly Settlement[], afterId: number): number {
  let lo = 0;
  let hi = settlements.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(settlements[mid]!.id) <= afterId) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
