/**
 * Peak memory of `import roads <file> --clip <area>` while reading (the file's two or three streamed passes
 * and cutting the edges), per run in a child process of its own so each peak (VmHWM) is that run's alone.
 *   npx tsx bench/roads-clip-memory.bench.ts [file] [municipality code]
 * Default: the vendored Götene extract (data/open/osm-sweden-mini-extracts/kallby-gotene-2023.osm) clipped
 * to Götene (1471) by SCB's vendored 2024 boundary, and the vendored Andorra PBF clipped to its capital's
 * parish drawn as a polygon. Prints peak RSS, what the reader held (way node references) and the load average.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { type ClipArea, clipArea, polygonsOfGeoJson, prepareRoads } from '../src/import/roads/index.js';

const root = resolve(import.meta.dirname, '..');
const peakKb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

if (process.env.ROADS_CLIP_CHILD) {
  const [file, clip] = JSON.parse(process.env.ROADS_CLIP_CHILD) as [string, string | null];
  const before = peakKb();
  let area: ClipArea | undefined;
  if (clip !== null) {
    const boundaries = JSON.parse(
      readFileSync(`${root}/data/open/scb-kommuner-lan-2024/kommuner_2024_generalized.geojson`, 'utf8'),
    ) as { features: { properties: { kommunkod: string }; geometry: unknown }[] };
    const feature = /^\d{4}$/.test(clip)
      ? boundaries.features.find((f) => f.properties.kommunkod === clip)
      : { geometry: JSON.parse(clip) };
    area = clipArea(`area ${clip.slice(0, 20)}`, polygonsOfGeoJson(feature!.geometry, 'bench'));
  }
  const started = performance.now();
  const roads = await prepareRoads(file, clip === null ? {} : { clip: area! });
  let edges = 0;
  for (const _ of roads.edges()) edges++;
  console.log(
    JSON.stringify({
      baseKb: before,
      peakKb: peakKb(),
      ms: Math.round(performance.now() - started),
      waysKept: roads.waysKept,
      edges,
      held: roads.wayRefsHeld ?? null,
    }),
  );
  process.exit(0);
}

const ANDORRA_LA_VELLA = JSON.stringify({
  type: 'Polygon',
  coordinates: [
    [
      [1.49, 42.49],
      [1.54, 42.495],
      [1.545, 42.52],
      [1.51, 42.525],
      [1.495, 42.51],
      [1.49, 42.49],
    ],
  ],
});
const cases: [string, string | null][] = process.argv[2]
  ? [[resolve(process.argv[2]), process.argv[3] ?? null]]
  : [
      [`${root}/data/open/osm-sweden-mini-extracts/kallby-gotene-2023.osm`, null],
      [`${root}/data/open/osm-sweden-mini-extracts/kallby-gotene-2023.osm`, '1471'],
      [`${root}/data/open/osm-andorra-2020/andorra-2020-05-01.osm.pbf`, null],
      [`${root}/data/open/osm-andorra-2020/andorra-2020-05-01.osm.pbf`, ANDORRA_LA_VELLA],
    ];
for (const [file, clip] of cases) {
  const load = readFileSync('/proc/loadavg', 'utf8').trim();
  const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename], {
    env: { ...process.env, ROADS_CLIP_CHILD: JSON.stringify([file, clip]) },
    encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number | null>;
  const name = `${file.split('/').at(-1)} ${clip === null ? '(no clip)' : clip.startsWith('{') ? '--clip polygon' : `--clip ${clip}`}`;
  console.log(
    `${name.padEnd(50)} peak RSS ${((r.peakKb as number) / 1024).toFixed(1)} MB (node + modules ${((r.baseKb as number) / 1024).toFixed(1)} MB)` +
      `  ${r.ms} ms  ways kept ${r.waysKept}  edges ${r.edges}  way refs held ${r.held ?? '?'}   loadavg ${load}`,
  );
}
console.log(
  `load average now: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
