import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../../src/db/data-version.js';
import type { Database } from '../../src/db/tables.js';
import { upsertAreas } from '../../src/modules/areas/area.repository.js';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';

/**
 * A small Ludvika (2085, Dalarnas län 20) with two yearly snapshots (2024, 2026) and opening hours: the
 * grocery in Grangärde closes between them; the Ludvika pharmacy and health centre keep weekday hours, so
 * Saturday 16:00 differs from Tuesday 10:00. One settlement's name carries HTML to check escaping.
 * A real boundary for 2085 (a rough box around the town) exercises the outline path.
 */
export const HOSTILE_NAME = 'Nyhammar <script>alert("x")</script> & Co';

export async function seedLudvika(db: Kysely<Database>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sa-report-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const header = 'externalId,name,population,population65Plus,municipalityCode,countyCode,lon,lat\n';
  const settlements = (ludvika: number, grangarde: number) =>
    header +
    `L1,Ludvika,${ludvika},3100,2085,20,15.19,60.15\n` +
    `L2,Grangärde,${grangarde},260,2085,20,14.98,60.27\n` +
    'L3,Fredriksberg,420,170,2085,20,14.38,60.14\n' +
    `L4,"${HOSTILE_NAME.replace(/"/g, '""')}",380,120,2085,20,15.00,60.05\n` +
    'S1,Smedjebacken,5200,1300,2061,20,15.41,60.14\n';
  const pointsHeader = 'externalId,name,serviceTypes,municipalityCode,openingHours,lon,lat\n';
  const common =
    'G1,ICA Ludvika,GROCERY,2085,Mo-Su 07:00-22:00,15.19,60.151\n' +
    'A1,Apotek Ludvika,PHARMACY,2085,Mo-Fr 09:00-19:00; Sa 10:00-15:00,15.188,60.149\n' +
    'V1,Vårdcentral Ludvika,PRIMARY_CARE,2085,Mo-Fr 08:00-17:00; PH off,15.2,60.152\n' +
    'P1,Postombud Ludvika,POST,2085,,15.191,60.15\n' +
    'G9,Coop Smedjebacken,GROCERY,2061,,15.41,60.141\n' +
    'A9,Apotek Smedjebacken,PHARMACY,2061,Mo-Fr 09:00-18:00,15.41,60.14\n';
  const points2024 = `${pointsHeader}${common}G2,Handlar'n Grangärde,GROCERY,2085,Mo-Fr 09:00-18:00; Sa 10:00-14:00,14.98,60.271\n`;
  const points2026 = pointsHeader + common;
  await db.transaction().execute(async (trx) => {
    await upsertAreas(trx, [
      { code: '20', level: 'COUNTY', name: 'Dalarnas län', parentCode: null, geometry: null },
      {
        code: '2085',
        level: 'MUNICIPALITY',
        name: 'Ludvika',
        parentCode: '20',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [14.3, 59.95],
              [15.45, 59.95],
              [15.45, 60.35],
              [14.3, 60.35],
              [14.3, 59.95],
            ],
          ],
        },
      },
      { code: '2061', level: 'MUNICIPALITY', name: 'Smedjebacken', parentCode: '20', geometry: null },
    ]);
    await bumpDataVersion(trx);
  });
  const run = (kind: 'settlements' | 'service-points', path: string, asOf: string) =>
    runImportJob(db, { kind, file: path, options: { asOf } });
  await run('settlements', write('tatorter-2024.csv', settlements(14200, 850)), '2024-01-01');
  await run('service-points', write('service-2024.csv', points2024), '2024-01-01');
  await run('settlements', write('tatorter-2026.csv', settlements(14350, 790)), '2026-01-01');
  await run('service-points', write('service-2026.csv', points2026), '2026-01-01');
}
