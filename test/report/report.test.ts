import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, renderReportHtml } from '../../src/modules/report/report.html.js';
import { gapReason } from '../../src/modules/report/report.reasons.js';
import { parse } from 'csv-parse/sync';
import type { MunicipalityReport } from '../../src/modules/report/report.service.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { HOSTILE_NAME, seedLudvika } from './fixture.js';

/**
 * The printable plan of Ludvika: every number embedded in the page (the #report-data block) equals the
 * GraphQL answer to the same question, asked separately over HTTP; text from data is escaped; the CSV bundle
 * holds the same tables.
 */
/** Words of the engine's English gap reasons that a Swedish plan must not show. */
const ENGINE_ENGLISH = [
  /\bwithin\b/,
  /\bthreshold\b/,
  /\bnearest\b/,
  /service desert/,
  /households/,
  /close the gap/,
  /digital substitute/,
];

describe('the municipal service plan', () => {
  let server: TestServer;
  let html: string;
  let report: MunicipalityReport;

  beforeAll(async () => {
    server = await startTestServer();
    await seedLudvika(server.app.db);
    const res = await fetch(`${server.url}/reports/municipality/2085`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    html = await res.text();
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    report = JSON.parse(json!) as MunicipalityReport;
  }, 120_000);
  afterAll(() => server?.close());

  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const res = await server.gql<T>(query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const area = { municipalityCode: '2085' };

  it('holds the settlements and population the API lists', async () => {
    const data = await gql<{ settlements: { nodes: { name: string; population: number }[] } }>(
      '{ settlements(filter: { municipalityCode: "2085" }, first: 100) { nodes { name population } } }',
    );
    expect(report.population).toBe(data.settlements.nodes.reduce((n, s) => n + s.population, 0));
    expect(report.settlements.map((s) => s.name).sort()).toEqual(
      data.settlements.nodes.map((s) => s.name).sort(),
    );
    expect(report.name).toBe('Ludvika');
  });

  it('reports the indicators of the municipality and of the county as accessIndicators does', async () => {
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ areaName: _n, ...rest }) => rest);
    const fields =
      'areaCode areaName serviceType thresholdMinutes population population65Plus populationBeyondThreshold population65PlusBeyondThreshold settlementsBeyondThreshold settlementsWithoutService meanMinutesPopulationWeighted shareWithin { minutes share } populationBase';
    const data = await gql<{ m: Record<string, unknown>[]; c: Record<string, unknown>[] }>(
      `query($area: AreaInput) { m: accessIndicators(groupBy: MUNICIPALITY, area: $area) { ${fields} }
        c: accessIndicators(groupBy: COUNTY, area: { countyCode: "20" }) { ${fields} } }`,
      { area },
    );
    expect(strip(report.indicators.map((r) => r.municipality as never))).toEqual(strip(data.m));
    expect(strip(report.indicators.map((r) => r.county as never))).toEqual(strip(data.c));
  });

  it('lists the deserts, gap flags, closure impacts and site suggestions the API gives', async () => {
    for (const desert of report.deserts) {
      const data = await gql<{ serviceDeserts: { nodes: { name: string }[] } }>(
        'query($t: ServiceTypeCode!, $area: AreaInput) { serviceDeserts(serviceType: $t, area: $area, first: 500) { nodes { name } } }',
        { t: desert.serviceType, area },
      );
      expect(desert.settlements.map((s) => s.name)).toEqual(data.serviceDeserts.nodes.map((s) => s.name));
    }
    const gaps = await gql<{
      gapAnalysis: { nodes: { settlement: { name: string }; flags: { code: string; reason: string }[] }[] };
    }>(
      'query($area: AreaInput) { gapAnalysis(area: $area, first: 500) { nodes { settlement { name } flags { code reason } } } }',
      { area },
    );
    expect(report.gaps.map((g) => [g.settlement, g.flags.map((f) => [f.code, f.reason])])).toEqual(
      gaps.gapAnalysis.nodes.map((g) => [g.settlement.name, g.flags.map((f) => [f.code, f.reason])]),
    );
    const closures = [];
    for (const type of report.keyTypes) {
      const data = await gql<{
        closureImpact: { servicePoint: { name: string }; populationLosingAccess: number }[];
      }>(
        'query($t: ServiceTypeCode!, $area: AreaInput) { closureImpact(serviceType: $t, area: $area, first: 10) { servicePoint { name } populationLosingAccess } }',
        { t: type, area },
      );
      for (const c of data.closureImpact)
        if (c.populationLosingAccess > 0)
          closures.push([type, c.servicePoint.name, c.populationLosingAccess]);
    }
    expect(report.closures.map((c) => [c.serviceType, c.point, c.populationLosingAccess])).toEqual(closures);
    expect(closures.length).toBeGreaterThan(0);
    const sites = await gql<{
      siteSuggestions: { populationCoveredBefore: number; populationCoveredAfter: number };
    }>(
      'query($types: [ServiceTypeCode!]!, $area: AreaInput) { siteSuggestions(serviceTypes: $types, count: 3, area: $area) { populationCoveredBefore populationCoveredAfter } }',
      { types: report.keyTypes, area },
    );
    expect([report.sites.populationCoveredBefore, report.sites.populationCoveredAfter]).toEqual([
      sites.siteSuggestions.populationCoveredBefore,
      sites.siteSuggestions.populationCoveredAfter,
    ]);
  });

  it('shows the changes since the previous snapshot as accessChanges does', async () => {
    expect(report.changes?.from).toBe('2024-01-01');
    for (const row of report.changes!.perType) {
      const data = await gql<{
        accessChanges: {
          pointsClosed: { name: string }[];
          populationLosingAccess: number;
          populationGainingAccess: number;
        };
      }>(
        'query($t: ServiceTypeCode!, $from: Date!, $to: Date!, $area: AreaInput) { accessChanges(serviceType: $t, from: $from, to: $to, area: $area) { pointsClosed { name } populationLosingAccess populationGainingAccess } }',
        { t: row.serviceType, from: report.changes!.from, to: report.changes!.to, area },
      );
      expect([row.pointsClosed, row.populationLosingAccess, row.populationGainingAccess]).toEqual([
        data.accessChanges.pointsClosed.map((p) => p.name),
        data.accessChanges.populationLosingAccess,
        data.accessChanges.populationGainingAccess,
      ]);
    }
    const grocery = report.changes!.perType.find((c) => c.serviceType === 'GROCERY')!;
    expect(grocery.pointsClosed).toEqual(["Handlar'n Grangärde"]);
    expect(grocery.settlementsLosingAccess).toEqual(['Grangärde']);
  });

  it('compares Saturday 16:00 with Tuesday 10:00 as accessIndicators(at:) does', async () => {
    for (const row of report.weekend.rows) {
      const data = await gql<{
        t: { populationBeyondThreshold: number }[];
        s: { populationBeyondThreshold: number }[];
      }>(
        `query($type: ServiceTypeCode!, $area: AreaInput, $tue: DateTime, $sat: DateTime) {
          t: accessIndicators(serviceTypes: [$type], groupBy: MUNICIPALITY, area: $area, at: $tue) { populationBeyondThreshold }
          s: accessIndicators(serviceTypes: [$type], groupBy: MUNICIPALITY, area: $area, at: $sat) { populationBeyondThreshold } }`,
        { type: row.serviceType, area, tue: report.weekend.tuesday, sat: report.weekend.saturday },
      );
      expect(row.tuesday?.populationBeyondThreshold).toBe(data.t[0]!.populationBeyondThreshold);
      expect(row.saturday?.populationBeyondThreshold).toBe(data.s[0]!.populationBeyondThreshold);
    }
    // The health centre keeps weekday hours: on Saturday the municipality has none open.
    const care = report.weekend.rows.find((r) => r.serviceType === 'PRIMARY_CARE')!;
    expect(care.saturday!.populationBeyondThreshold).toBeGreaterThan(care.tuesday!.populationBeyondThreshold);
  });

  it('draws one SVG map per key service type and names its data sources', () => {
    expect(html.match(/<figure class="map"/g)).toHaveLength(report.keyTypes.length);
    expect(html.match(/<svg /g)).toHaveLength(report.keyTypes.length);
    expect(html).toContain('class="settlement within"');
    expect(report.sources.map((s) => s.table)).toEqual(
      expect.arrayContaining(['settlements', 'service_points']),
    );
  });

  it('escapes names from the data', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('Nyhammar &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(report.settlements.map((s) => s.name)).toContain(HOSTILE_NAME);
  });

  it('is Swedish by default and English with lang=en', async () => {
    expect(html).toContain('<html lang="sv">');
    expect(html).toContain('Serviceplan: Ludvika');
    const en = await (await fetch(`${server.url}/reports/municipality/2085?lang=en`)).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Service plan: Ludvika');
    expect(en).toContain('Weekend access');
  });

  it('words every gap reason from its data: Swedish in the Swedish plan, the engine’s sentence in the English one', async () => {
    const flags = report.gaps.flatMap((g) => g.flags.map((f) => ({ g, f })));
    expect(new Set(flags.map(({ f }) => f.code)).size).toBeGreaterThanOrEqual(2);
    const type = (code: string) => report.catalogue.find((c) => c.code === code)!;
    for (const { g, f } of flags) {
      // The English rendering from the fields is the engine's own sentence: the fields say all of it.
      expect(gapReason(f, g.settlement, type(f.serviceType).nameEn.toLowerCase(), 'en')).toBe(f.reason);
      const sv = gapReason(f, g.settlement, type(f.serviceType).nameSv.toLowerCase(), 'sv');
      expect(sv).not.toBe(f.reason);
      expect(html).toContain(escapeHtml(sv));
    }
    // What a reader sees of the Swedish plan (the embedded JSON and the data's own names aside) has none
    // of the engine's English words, codes or labels in it.
    const visible = html
      .replace(/<script[\s\S]*?<\/script>/g, '')
      .replace(/<style[\s\S]*?<\/style>/g, '')
      .replace(/<[^>]+>/g, ' ');
    const sourcesStart = visible.indexOf('Datakällor');
    const words = visible.slice(0, sourcesStart > 0 ? sourcesStart : undefined);
    for (const english of [
      ...ENGINE_ENGLISH,
      /\bgreedy\b|\benumeration\b/,
      /\bESTIMATED\b|\bNETWORK\b/,
      /E_SERVICE_CAN_CLOSE|NEW_SERVICE_POINT_NEEDED|SINGLE_POINT_OF_FAILURE|CROSS_BORDER_NEAREST/,
      /\bTATORT\b/,
      /Online|Parcel lockers|Digital banking|E-library/,
    ])
      expect(words).not.toMatch(english);
    expect(words).toMatch(/serviceöken|tröskel/);
    const en = await (await fetch(`${server.url}/reports/municipality/2085?lang=en`)).text();
    for (const { f } of flags) expect(en).toContain(escapeHtml(f.reason));
  });

  it('shows 65+ where it is known, and explains it where it is not', () => {
    // The fixture knows 65+ for every settlement: the column is there, with the figures.
    expect(report.settlements.every((s) => s.population65Plus !== null)).toBe(true);
    expect(html).toContain('varav 65+');
    expect(html).not.toContain('data-field="population65Unknown"');
    const unknown = renderReportHtml(
      {
        ...report,
        population65Plus: null,
        settlements: report.settlements.map((s) => ({ ...s, population65Plus: null })),
      },
      'sv',
    );
    expect(unknown).toContain('data-field="population65Unknown"');
    expect(unknown).toContain('finns inte i SCB:s tätortsdata');
    expect(unknown).not.toMatch(/varav 65\+: –/);
  });

  it('lets sections flow in print (no forced page per section) and has an icon', async () => {
    expect(html).not.toMatch(/\.page\s*\{[^}]*break-before:\s*page/);
    expect(html).toMatch(/<link rel="icon" href="data:image\/svg\+xml,/);
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
  });

  it('bundles the same tables as CSV files in a zip', async () => {
    const res = await fetch(`${server.url}/reports/municipality/2085?format=csv`);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['settlements.csv', 'indicators.csv', 'changes.csv']),
    );
    const lines = strFromU8(files['settlements.csv']!).trim().split('\r\n');
    expect(lines).toHaveLength(report.settlements.length + 1);
    expect(strFromU8(files['settlements.csv']!)).toContain('"Nyhammar <script>alert(""x"")</script> & Co"');
    // Each CSV with its column types; the files whose rows are places also with WGS 84 (EPSG:4326).
    for (const name of Object.keys(files).filter((f) => f.endsWith('.csv')))
      expect(Object.keys(files)).toContain(name.replace(/\.csv$/, '.csvt'));
    expect(strFromU8(files['settlements.prj']!)).toContain('AUTHORITY["EPSG","4326"]');
    // A UTF-8 BOM (Excel), then the header (the decoder drops the BOM).
    expect([...files['settlements.csv']!.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(strFromU8(files['settlements.csv']!).split('\r\n')[0]).toBe(
      'name,kind,population,population65Plus,lon,lat,WKT',
    );
  });

  it('words the CSV bundle in the plan’s language: Swedish reasons by default, the engine’s English with lang=en', async () => {
    const zip = async (query: string) => {
      const res = await fetch(`${server.url}/reports/municipality/2085?format=csv${query}`);
      expect(res.status).toBe(200);
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
      return (name: string) => parse(strFromU8(files[name]!), { bom: true }) as string[][];
    };
    const sv = await zip('');
    const en = await zip('&lang=en');
    const flags = report.gaps.flatMap((g) => g.flags.map((f) => ({ g, f })));
    expect(flags.length).toBeGreaterThan(0);
    const column = (rows: string[][], name: string) => {
      const i = rows[0]!.indexOf(name);
      expect(i).toBeGreaterThanOrEqual(0);
      return rows.slice(1).map((r) => r[i]!);
    };
    // English: the engine's own sentences, row for row; Swedish: the plan's sentences (as the HTML shows them).
    const type = (code: string) => report.catalogue.find((c) => c.code === code)!;
    expect(column(en('gaps.csv'), 'reason')).toEqual(flags.map(({ f }) => f.reason));
    expect(column(sv('gaps.csv'), 'reason')).toEqual(
      flags.map(({ g, f }) => gapReason(f, g.settlement, type(f.serviceType).nameSv.toLowerCase(), 'sv')),
    );
    // No cell of words in the Swedish files is English; codes and column names stay the API's identifiers.
    const wordColumns: [string, string][] = [
      ['gaps.csv', 'reason'],
      ['gaps.csv', 'eService'],
      ['e-service-potential.csv', 'eService'],
      ['sources.csv', 'licence'],
    ];
    const swedish = wordColumns.flatMap(([file, name]) => column(sv(file), name)).join('\n');
    expect(swedish).toMatch(/tröskel/);
    for (const english of [
      ...ENGINE_ENGLISH,
      /Online|Parcel lockers|Digital banking|E-library/,
      /Generated demo data|contributors|Statistics Sweden|See the source/,
    ])
      expect(swedish).not.toMatch(english);
    expect(sv('gaps.csv')[0]).toEqual(en('gaps.csv')[0]);
    expect(column(sv('gaps.csv'), 'code')).toEqual(column(en('gaps.csv'), 'code'));
  });

  it('answers 404 for an unknown municipality and 400 for an unknown language', async () => {
    expect((await fetch(`${server.url}/reports/municipality/9999`)).status).toBe(404);
    expect((await fetch(`${server.url}/reports/municipality/2085?lang=fr`)).status).toBe(400);
  });
});
