import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCliEnvironment } from '../helpers/db.js';
import { cli } from '../cli/run.js';

/** The real CLI, two processes: a dated snapshot import, then the plan written to a file. */
describe('serviceatlas import --as-of and report municipality', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-report-cli-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a dated snapshot and writes the English plan to --output', async () => {
    const file = join(dir, 'tatorter-2024.csv');
    writeFileSync(
      file,
      'externalId,name,population,municipalityCode,countyCode,lon,lat\nL1,Ludvika,14200,2085,20,15.19,60.15\n' +
        'L2,Grangärde,850,2085,20,14.98,60.27\n',
    );
    const imported = await cli(env, 'import', 'settlements', file, '--as-of', '2024-01-01');
    expect(imported.stderr + imported.stdout).toContain('snapshot of 2024-01-01');
    expect(imported.code).toBe(0);
    const output = join(dir, 'plan.html');
    const report = await cli(env, 'report', 'municipality', '2085', '--output', output, '--lang', 'en');
    expect(report.code).toBe(0);
    expect(report.stderr).toContain(`to ${output}`);
    const html = readFileSync(output, 'utf8');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Grangärde');
    expect(html).toMatch(/data-field="population">15,050</);
  }, 180_000);
});
