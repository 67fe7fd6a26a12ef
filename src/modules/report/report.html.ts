import type { MultiPolygon, Polygon, Position } from 'geojson';
import type { AreaIndicatorRow } from '../../engine/indicators.js';
import type { ReportLang } from './report.reasons.js';
import {
  eServiceName,
  flagLabel,
  gapReason,
  kindLabel,
  licenceLabel,
  serviceTypeName,
  siteMethod,
  travelLabel,
} from './report.reasons.js';
import type { MunicipalityReport, ReportMap } from './report.service.js';
import { TEXT } from './report.text.js';

/**
 * The municipal service plan as ONE printable HTML document: A4 print CSS with page breaks, inline SVG
 * maps drawn here (no browser, no tiles), every text from the data escaped. The numbers are also embedded
 * as a JSON script block (`#report-data`) so a test can compare them with the GraphQL answers.
 */

export type { ReportLang };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe inside a <script> element (no `</script>`, no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const integer = (lang: ReportLang) => new Intl.NumberFormat(lang === 'sv' ? 'sv-SE' : 'en-GB');
const decimal = (lang: ReportLang) =>
  new Intl.NumberFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', {
    maximumFractionDigits: 1,
    minimumFractionDigits: 1,
  });
const percent = (lang: ReportLang) =>
  new Intl.NumberFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', { style: 'percent', maximumFractionDigits: 1 });

/** Renders the report; `lang` chooses the headings and labels (Swedish by default). */
export function renderReportHtml(report: MunicipalityReport, lang: ReportLang = 'sv'): string {
  const t = TEXT[lang];
  const n = integer(lang);
  const d = decimal(lang);
  const p = percent(lang);
  const e = escapeHtml;
  const typeName = (code: string) => serviceTypeName(report.catalogue, code, lang);
  const num = (v: number | null | undefined) => (v == null ? t.none : n.format(v));
  const dec = (v: number | null | undefined) => (v == null ? t.none : d.format(v));
  const share = (row: AreaIndicatorRow | null) =>
    row && row.population > 0 ? p.format(row.populationBeyondThreshold / row.population) : t.none;
  const table = (head: string[], rows: string[][], attrs = '') =>
    `<table${attrs}><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.join('')}</tr>`)
      .join('')}</tbody></table>`;
  const td = (v: string, numeric = false) => `<td${numeric ? ' class="num"' : ''}>${v}</td>`;

  const sections: string[] = [];

  // 65+ per settlement where known; where it is unknown for every settlement the column is left out and
  // the plan says why (and gives the grid's 65+ for the municipality when a grid covers it).
  const any65 = report.settlements.some((s) => s.population65Plus !== null);
  sections.push(`<section class="page" id="settlements"><h2>1. ${e(t.settlements)}</h2>
<p>${e(t.total)}: <strong data-field="population">${num(report.population)}</strong>${
    report.population65Plus === null ? '' : ` · ${e(t.population65)}: ${num(report.population65Plus)}`
  }</p>${
    report.grid === null
      ? ''
      : `<p>${e(t.gridPopulation)} (${num(report.grid.cells)} × ${num(report.grid.cellSizeM)} m): <strong data-field="gridPopulation">${num(
          report.grid.population,
        )}</strong> · ${e(t.population65)}: <span data-field="gridPopulation65Plus">${num(report.grid.population65Plus)}</span></p>`
  }${any65 ? '' : `<p class="note" data-field="population65Unknown"><small>${e(t.population65Unknown)}</small></p>`}
${table(
  any65 ? [t.settlement, t.kind, t.population, t.population65] : [t.settlement, t.kind, t.population],
  report.settlements.map((s) => [
    td(e(s.name)),
    td(e(kindLabel(s.kind, lang))),
    td(num(s.population), true),
    ...(any65 ? [td(num(s.population65Plus), true)] : []),
  ]),
)}</section>`);

  sections.push(`<section class="page" id="maps"><h2>2. ${e(t.maps)}</h2>
<p class="legend"><span class="dot within"></span> ${e(t.mapLegendWithin)} <span class="dot beyond"></span> ${e(
    t.mapLegendBeyond,
  )} <span class="sq"></span> ${e(t.mapLegendPoint)} · ${e(
    report.maps[0]?.outlineKind === 'BOUNDARY' ? t.outlineBoundary : t.outlineApprox,
  )}</p>
<div class="maps">${report.maps
    .map(
      (m) =>
        `<figure class="map" data-service-type="${e(m.serviceType)}">${renderMapSvg(m, typeName(m.serviceType))}<figcaption>${e(
          typeName(m.serviceType),
        )} · ${e(t.threshold)} ${dec(m.thresholdMinutes)}</figcaption></figure>`,
    )
    .join('')}</div></section>`);

  sections.push(`<section class="page" id="indicators"><h2>3. ${e(t.indicators)}</h2>
${table(
  [
    t.serviceType,
    t.threshold,
    `${t.beyond} (${t.municipality})`,
    `${t.beyondShare} (${t.municipality})`,
    `${t.beyondShare} (${t.county})`,
    `${t.meanMinutes} (${t.municipality})`,
    `${t.meanMinutes} (${t.county})`,
  ],
  report.indicators.map((r) => [
    td(e(typeName(r.serviceType))),
    td(dec(r.municipality?.thresholdMinutes ?? r.county?.thresholdMinutes), true),
    td(num(r.municipality?.populationBeyondThreshold), true),
    td(share(r.municipality), true),
    td(share(r.county), true),
    td(dec(r.municipality?.meanMinutesPopulationWeighted), true),
    td(dec(r.county?.meanMinutesPopulationWeighted), true),
  ]),
)}
<h2>4. ${e(t.deserts)}</h2>
${
  report.deserts
    .filter((x) => x.settlements.length > 0)
    .map(
      (x) =>
        `<h3>${e(typeName(x.serviceType))}</h3>${table(
          [t.settlement, t.population, t.minutes, t.nearest],
          x.settlements.map((s) => [
            td(e(s.name)),
            td(num(s.population), true),
            td(dec(s.travelMinutes), true),
            td(e(s.nearest ?? t.none)),
          ]),
        )}`,
    )
    .join('') || `<p>${e(t.noDeserts)}</p>`
}</section>`);

  sections.push(`<section class="page" id="gaps"><h2>5. ${e(t.gaps)}</h2>
${
  report.gaps.length === 0
    ? `<p>${e(t.noGaps)}</p>`
    : table(
        [t.settlement, t.population, t.flag, t.reason, t.eService],
        report.gaps.flatMap((g) =>
          g.flags.map((f, i) => [
            td(i === 0 ? e(g.settlement) : ''),
            td(i === 0 ? num(g.population) : '', true),
            td(`${e(flagLabel(f.code, lang))}<br><small>${e(typeName(f.serviceType))}</small>`),
            td(e(gapReason(f, g.settlement, typeName(f.serviceType).toLowerCase(), lang))),
            td(e(eServiceName(f.serviceType, f.eService, lang) ?? t.none)),
          ]),
        ),
        ' class="small"',
      )
}
<h2>6. ${e(t.closures)}</h2>
${
  report.closures.length === 0
    ? `<p>${e(t.noClosures)}</p>`
    : table(
        [t.serviceType, t.point, t.losing, t.population65, t.affected],
        report.closures.map((c) => [
          td(e(typeName(c.serviceType))),
          td(e(c.point)),
          td(num(c.populationLosingAccess), true),
          td(num(c.population65PlusLosingAccess), true),
          td(e(c.settlements.join(', '))),
        ]),
      )
}</section>`);

  sections.push(`<section class="page" id="sites"><h2>7. ${e(t.sites)}</h2>
<p>${e(report.sites.serviceTypes.map(typeName).join(', '))} · ${e(t.covered)}: ${num(
    report.sites.populationCoveredBefore,
  )} / ${num(report.sites.populationCoveredAfter)} <small>(${e(siteMethod(report.sites.method, lang))})</small></p>
${table(
  [t.settlement, t.marginal, t.serves],
  report.sites.sites.map((s) => [
    td(e(s.settlement ?? `${s.lat.toFixed(4)}, ${s.lon.toFixed(4)}`)),
    td(num(s.marginalPopulation), true),
    td(e(s.serves.join(', '))),
  ]),
)}
<h2>8. ${e(t.eServices)}</h2>
${
  report.eServices.length === 0
    ? `<p>${e(t.noEServices)}</p>`
    : table(
        [t.serviceType, t.settlement, t.potentialUsers, t.eService],
        report.eServices.map((x) => [
          td(e(typeName(x.serviceType))),
          td(e(x.settlement)),
          td(num(x.potentialUsers), true),
          td(e(eServiceName(x.serviceType, x.eService, lang) ?? t.none)),
        ]),
      )
}</section>`);

  const changes = report.changes;
  sections.push(`<section class="page" id="changes"><h2>9. ${e(t.changes)}</h2>
${
  changes === null
    ? `<p>${e(t.noChanges)}</p>`
    : `<p>${e(t.from)} ${e(changes.from)} ${e(t.to)} ${e(changes.to)}</p>${table(
        [t.serviceType, t.opened, t.closed, t.lost, t.gained, t.losing, t.beyondDelta],
        changes.perType.map((c) => [
          td(e(typeName(c.serviceType))),
          td(e(c.pointsOpened.join(', ') || t.none)),
          td(e(c.pointsClosed.join(', ') || t.none)),
          td(e(c.settlementsLosingAccess.join(', ') || t.none)),
          td(e(c.settlementsGainingAccess.join(', ') || t.none)),
          td(num(c.populationLosingAccess), true),
          td(
            `${c.populationBeyondThresholdDelta > 0 ? '+' : ''}${num(c.populationBeyondThresholdDelta)}`,
            true,
          ),
        ]),
      )}`
}
<h2>10. ${e(t.weekend)}</h2>
<p><small>${e(t.weekendNote)}</small></p>
${table(
  [
    t.serviceType,
    `${t.beyond} — ${t.tuesday}`,
    `${t.beyond} — ${t.saturday}`,
    `${t.beyondShare} — ${t.tuesday}`,
    `${t.beyondShare} — ${t.saturday}`,
    t.unknownHours,
  ],
  report.weekend.rows.map((r) => [
    td(e(typeName(r.serviceType))),
    td(num(r.tuesday?.populationBeyondThreshold), true),
    td(num(r.saturday?.populationBeyondThreshold), true),
    td(share(r.tuesday), true),
    td(share(r.saturday), true),
    td(num(r.pointsWithUnknownHours), true),
  ]),
)}
<h2>11. ${e(t.sources)}</h2>
${table(
  [t.table, t.source, t.rows, t.lastImport, t.licence],
  report.sources.map((s) => [
    td(e(s.table)),
    td(e(s.source)),
    td(num(s.rows), true),
    td(e(s.lastImport ?? t.none)),
    td(e(licenceLabel(s.licence, lang))),
  ]),
  ' class="small"',
)}</section>`);

  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<link rel="icon" href="${FAVICON}">
<title>${e(t.title)} — ${e(report.name)} (${e(report.code)})</title>
<style>${CSS}</style>
</head>
<body data-municipality="${e(report.code)}">
<header class="cover">
<h1>${e(t.title)}: ${e(report.name)} <small>(${e(report.code)})</small></h1>
<p>${e(report.countyName ?? report.countyCode)} · ${e(t.draft)} · ${e(t.generated)} ${e(
    report.generatedAt.slice(0, 10),
  )} · ${e(t.dataVersion)} ${e(report.dataVersion)}</p>
<p><small>${e(t.travel)}: ${e(travelLabel(report.travelMethodCode, lang))}</small></p>
</header>
${sections.join('\n')}
<script type="application/json" id="report-data">${scriptJson(report)}</script>
</body>
</html>
`;
}

/** The plan's icon, inline (a saved plan opened from disk asks no server for /favicon.ico). */
const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2b6b3f"/><circle cx="11" cy="12" r="4" fill="#fff"/><circle cx="22" cy="20" r="5" fill="#f1c40f"/></svg>',
)}`;

const CSS = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #1b1b1b; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 20pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 14pt 0 6pt; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 10pt 0 4pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; page-break-inside: auto; }
tr { page-break-inside: avoid; } thead { display: table-header-group; }
th, td { border-bottom: 1px solid #ddd; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.small { font-size: 8.5pt; }
.cover { border-bottom: 3px solid #2b6b3f; padding-bottom: 6pt; margin-bottom: 8pt; }
/* Sections flow on from one another (no forced page per section: short ones left pages half empty);
   a heading never ends a page, and a map or a table row is never split. */
.page { page-break-before: auto; break-before: auto; }
h2, h3 { break-after: avoid; page-break-after: avoid; }
.note { color: #444; }
.maps { display: grid; grid-template-columns: 1fr 1fr; gap: 8pt; }
.map { margin: 0; page-break-inside: avoid; break-inside: avoid; } .map svg { width: 100%; height: auto; border: 1px solid #ccc; }
figcaption { font-size: 9pt; text-align: center; }
.legend .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; }
.dot.within { background: #2b8a3e; } .dot.beyond { background: #d9480f; }
.legend .sq { display: inline-block; width: 8px; height: 8px; background: #1c4e80; }
@media screen { body { padding: 12px; } }
`;

/** An inline SVG map: lon/lat projected onto the map's bbox (x scaled by cos of the mid latitude). */
export function renderMapSvg(map: ReportMap, title: string): string {
  const [west, south, east, north] = map.bbox;
  const k = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const width = 400;
  const spanX = Math.max((east - west) * k, 1e-6);
  const spanY = Math.max(north - south, 1e-6);
  const height = Math.round(Math.min(560, Math.max(200, (width * spanY) / spanX)));
  const scale = Math.min(width / spanX, height / spanY);
  const offsetX = (width - spanX * scale) / 2;
  const offsetY = (height - spanY * scale) / 2;
  const x = (lon: number) => (offsetX + (lon - west) * k * scale).toFixed(1);
  const y = (lat: number) => (offsetY + (north - lat) * scale).toFixed(1);
  const ring = (r: Position[]) => `M${r.map((c) => `${x(c[0]!)},${y(c[1]!)}`).join('L')}Z`;
  const outlinePath = (g: Polygon | MultiPolygon) =>
    (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flatMap((poly) => poly.map(ring)).join(' ');
  const maxPop = Math.max(1, ...map.settlements.map((s) => s.population));
  const radius = (pop: number) => (2.5 + 7 * Math.sqrt(pop / maxPop)).toFixed(1);
  const e = escapeHtml;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${e(title)}">
<rect width="${width}" height="${height}" fill="#f8f8f4"/>
${map.outline ? `<path d="${outlinePath(map.outline)}" fill="#e9efe4" stroke="#555" stroke-width="1" fill-rule="evenodd"/>` : ''}
${map.points
  .map(
    (pt) =>
      `<rect class="point" x="${(Number(x(pt.lon)) - 3).toFixed(1)}" y="${(Number(y(pt.lat)) - 3).toFixed(1)}" width="6" height="6" fill="#1c4e80"><title>${e(pt.name)}</title></rect>`,
  )
  .join('')}
${map.settlements
  .map(
    (s) =>
      `<circle class="settlement ${s.within ? 'within' : 'beyond'}" cx="${x(s.lon)}" cy="${y(s.lat)}" r="${radius(s.population)}" fill="${
        s.within ? '#2b8a3e' : '#d9480f'
      }" fill-opacity="0.75" stroke="#fff" stroke-width="0.8"><title>${e(s.name)}: ${e(s.population)}${
        s.minutes === null ? '' : `, ${e(s.minutes.toFixed(1))} min`
      }</title></circle>`,
  )
  .join('')}
${map.settlements
  .filter((s) => s.population >= maxPop * 0.15)
  .map(
    (s) =>
      `<text x="${(Number(x(s.lon)) + 6).toFixed(1)}" y="${(Number(y(s.lat)) - 5).toFixed(1)}" font-size="9" fill="#222">${e(s.name)}</text>`,
  )
  .join('')}
</svg>`;
}
