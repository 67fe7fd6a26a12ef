/**
 * Caps on what one import file may make us hold (issue 19, "Stops the service" 3, and the CLI's exit 2s
 * for bad input): decompression bombs stop at the decompressed-size cap, streaming; one CSV record, one
 * XML tag and one field have caps; a character reference XML does not allow is bad input. Each is an
 * ImportError naming the file (and line and field where there is one) — the CLI's exit 1 — with the cap
 * and the variable that raises it. The bombs are made here, small, and never committed.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { ImportJob } from '../../src/modules/imports/import-jobs.js';
import { importFailure, runImportJob } from '../../src/modules/imports/import-jobs.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshApp } from '../helpers/db.js';

let dir: string;
let app: App;
let database: TestDatabase;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serviceatlas-import-caps-'));
  ({ app, database } = await freshApp());
});
afterAll(async () => {
  await app?.close();
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the job and returns how it failed (as the CLI would report it), asserting nothing was written. */
async function failure(job: ImportJob): Promise<{ exit: number; message: string }> {
  const before = await app.db.selectFrom('import_runs').select('id').execute();
  let outcome: { exit: number; message: string } | null = null;
  try {
    await runImportJob(app.db, job);
  } catch (error) {
    outcome = importFailure(error);
  }
  expect(outcome).not.toBeNull();
  expect(await app.db.selectFrom('import_runs').select('id').execute()).toHaveLength(before.length);
  return outcome!;
}

/** `bytes` zeros streamed through gzip into `file` (never held whole). */
async function gzipZeros(file: string, bytes: number, prefix = ''): Promise<void> {
  const zeros = Buffer.alloc(1 << 20, 0x30); // '0' characters: one endless CSV field, or text
  let left = bytes;
  await pipeline(
    Readable.from(
      (function* () {
        if (prefix) yield Buffer.from(prefix);
        while (left > 0) {
          const n = Math.min(left, zeros.length);
          left -= n;
          yield zeros.subarray(0, n);
        }
      })(),
    ),
    createGzip({ level: 9 }),
    createWriteStream(file),
  );
}

describe('decompression bombs stop at the cap, streaming', () => {
  it('a .csv.gz of one 200 MB line: refused at the cap, naming the file and SERVICEATLAS_IMPORT_MAX_EXPANSION', async () => {
    const file = join(dir, 'bomb.csv.gz');
    await gzipZeros(file, 200 * 1024 * 1024, 'externalId,name,population,lon,lat\n1,');
    const r = await failure({ kind: 'settlements', file, options: {} });
    expect(r.exit).toBe(1);
    // Whichever cap the stream meets first: the record cap (1 MiB) comes long before 64 MiB.
    expect(r.message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2: a record longer than 1048576 characters \\(SERVICEATLAS_IMPORT_MAX_RECORD_KB=1024\\)`,
      ),
    );
  }, 120_000);

  it('an .osm.gz expanding 1000×: refused at the 64 MiB floor of the expansion cap', async () => {
    const file = join(dir, 'bomb.osm.gz');
    // No '<' in the zeros: the XML reader holds nothing, so only the decompression cap can stop it.
    await gzipZeros(file, 200 * 1024 * 1024, '<?xml version="1.0"?>\n<osm version="0.6">\n');
    const r = await failure({ kind: 'service-points', file, options: {} });
    expect(r.exit).toBe(1);
    expect(r.message).toMatch(
      /bomb\.osm\.gz: decompresses to more than 67108864 bytes, over 100 times its \d+ compressed bytes/,
    );
    expect(r.message).toMatch(/SERVICEATLAS_IMPORT_MAX_EXPANSION/);
  }, 120_000);

  it.runIf(existsSync('/usr/bin/bzip2'))(
    'a roads .osm.bz2 of 100 MB of blanks (the probe’s shape, ~100 bytes compressed): refused at the cap',
    async () => {
      const plain = join(dir, 'zeros.osm');
      writeFileSync(plain, Buffer.concat([Buffer.from('<osm>'), Buffer.alloc(100 * 1024 * 1024, 0x20)]));
      execFileSync('/usr/bin/bzip2', ['-9', plain]);
      const file = `${plain}.bz2`;
      const r = await failure({ kind: 'roads', file, options: {} });
      expect(r.exit).toBe(1);
      expect(r.message).toMatch(/zeros\.osm\.bz2: decompresses to more than 67108864 bytes/);
    },
    120_000,
  );
});

describe('records and fields have caps; every bad input is exit 1 with file, line and field', () => {
  it('a CSV name over the field cap (but under the record cap): line and field named', async () => {
    const file = join(dir, 'long-name.csv');
    writeFileSync(
      file,
      `externalId,name,population,lon,lat\n1,${'x'.repeat(20_000)},100,15,60\n2,Ok,100,15,60\n`,
    );
    const r = await failure({ kind: 'settlements', file, options: {} });
    expect(r.exit).toBe(1);
    expect(r.message).toMatch(
      /long-name\.csv: [\s\S]*line 2, field "name": is 20000 characters long, more than the 10000 allowed \(SERVICEATLAS_IMPORT_MAX_FIELD_CHARS\)/,
    );
    expect(r.message.length).toBeLessThan(2000); // the value is not echoed
  });

  it('a CSV header line over the record cap (a 2 MB first line)', async () => {
    const file = join(dir, 'long-header.csv');
    writeFileSync(file, `${'h'.repeat(2 * 1024 * 1024)}\n`);
    const r = await failure({ kind: 'settlements', file, options: {} });
    expect(r.exit).toBe(1);
    expect(r.message).toMatch(/long-header\.csv: line 1: a record longer than 1048576 characters/);
  });

  it('a GeoJSON name over the field cap: feature and field named', async () => {
    const file = join(dir, 'long-name.geojson');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { externalId: 'a', name: 'y'.repeat(50_000), population: 10 },
            geometry: { type: 'Point', coordinates: [15, 60] },
          },
        ],
      }),
    );
    const r = await failure({ kind: 'settlements', file, options: {} });
    expect(r.exit).toBe(1);
    expect(r.message).toMatch(/feature 0, field "name": is 50000 characters long/);
  });

  it('`&#x110000;` in OSM XML: exit 1 with line and field (not a RangeError, exit 2)', async () => {
    const file = join(dir, 'bad-char.osm');
    writeFileSync(
      file,
      '<?xml version="1.0"?>\n<osm version="0.6">\n<node id="1" lat="60" lon="15">\n' +
        '  <tag k="amenity" v="pharmacy"/>\n  <tag k="name" v="Apotek &#x110000;"/>\n</node>\n</osm>\n',
    );
    const r = await failure({ kind: 'service-points', file, options: {} });
    expect(r.exit).toBe(1);
    expect(r.message).toBe(
      `${file}: line 5, field "name": not valid OSM XML: the character reference &#x110000; names no character XML allows`,
    );
  });

  it('an OSM XML tag over the record cap (a 2 MB name)', async () => {
    const file = join(dir, 'long-tag.osm');
    writeFileSync(
      file,
      `<?xml version="1.0"?>\n<osm version="0.6">\n<node id="1" lat="60" lon="15">\n  <tag k="name" v="${'z'.repeat(2 * 1024 * 1024)}"/>\n</node>\n</osm>\n`,
    );
    const r = await failure({ kind: 'service-points', file, options: {} });
    expect(r.exit).toBe(1);
    expect(r.message).toMatch(
      /long-tag\.osm: line 4: not valid OSM XML: a tag longer than 1048576 characters/,
    );
  });

  it('the caps are configurable: a raised field cap lets the long name through to validation', async () => {
    const file = join(dir, 'long-name-ok.csv');
    writeFileSync(
      file,
      `externalId,name,population,lon,lat,municipalityCode\n1,${'x'.repeat(20_000)},100,15,60,2085\n`,
    );
    process.env.SERVICEATLAS_IMPORT_MAX_FIELD_CHARS = '30000';
    try {
      const outcome = await runImportJob(app.db, { kind: 'settlements', file, options: {} });
      expect(outcome.lines[0]).toMatch(/1 valid rows — 1 inserted/);
    } finally {
      delete process.env.SERVICEATLAS_IMPORT_MAX_FIELD_CHARS;
    }
  });

  it('a small .csv.gz that is genuine imports (the cap is not in the way)', async () => {
    const file = join(dir, 'small.csv.gz');
    writeFileSync(
      file,
      gzipSync('externalId,name,population,lon,lat,municipalityCode\ng1,Gz,100,15,60,2085\n'),
    );
    const outcome = await runImportJob(app.db, { kind: 'settlements', file, options: {} });
    expect(outcome.lines[0]).toMatch(/1 valid rows — 1 inserted/);
  });
});
