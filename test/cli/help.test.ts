import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cli, cliBatch } from './run.js';

// No command here opens a database: help and option errors are answered before.
const dir = mkdtempSync(join(tmpdir(), 'serviceatlas-help-'));
const env = { ...process.env, SERVICEATLAS_DEMO: 'off', LOG_LEVEL: 'silent', SERVICEATLAS_DATA_DIR: dir };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serviceatlas --help', () => {
  const commands: [string[], RegExp][] = [
    [['--help'], /Usage: serviceatlas \[options\] \[command\][\s\S]*serve[\s\S]*import[\s\S]*analyse/],
    [['help'], /Usage: serviceatlas/],
    [['serve', '--help'], /Usage: serviceatlas serve[\s\S]*--port <port>/],
    [['import', '--help'], /Usage: serviceatlas import[\s\S]*settlements[\s\S]*service-points[\s\S]*areas/],
    [['help', 'import'], /Usage: serviceatlas import/],
    [
      ['import', 'settlements', '--help'],
      /import settlements \[options\] <file>[\s\S]*--map[\s\S]*--format[\s\S]*--crs/,
    ],
    [['import', 'service-points', '--help'], /--type-map <pairs>/],
    [['import', 'areas', '--help'], /--level <level>[\s\S]*MUNICIPALITY or COUNTY/],
    [['analyse', '--help'], /Usage: serviceatlas analyse\|analyze[\s\S]*deserts/],
    [
      ['analyze', 'deserts', '--help'],
      /--service-type <code>[\s\S]*--area[\s\S]*--threshold[\s\S]*--format[\s\S]*--output/,
    ],
    [['analyse', 'deserts', '-h'], /--service-type <code>/],
  ];
  // One process runs every command line through runCli; the first also runs as its own process, so
  // the bin script's exit code is checked too.
  let results: CliResult[] = [];
  beforeAll(async () => {
    results = await cliBatch(
      env,
      commands.map(([args]) => args),
    );
  });
  it('--help through the real binary exits 0 with the same help', async () => {
    const r = await cli(env, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(results[0]!.stdout);
  });
  commands.forEach(([args, expected], k) => {
    it(`${args.join(' ')} prints help and exits 0`, () => {
      const r = results[k]!;
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(expected);
    });
  });
});

describe('bad command lines exit 1 with a message', () => {
  const cases: [string[], RegExp][] = [
    [[], /Usage: serviceatlas/],
    [['bogus'], /unknown command 'bogus'/],
    [['import'], /Usage: serviceatlas import/],
    [['import', 'settlements'], /missing required argument 'file'/],
    [['import', 'settlements', 'x.csv', '--nope'], /unknown option '--nope'/],
    [['import', 'widgets', 'x.csv'], /unknown command 'widgets'/],
    [['import', 'areas', 'x.geojson'], /required option '--level <level>' not specified/],
    [['serve', '--port', 'abc'], /--port <port>' argument 'abc' is invalid/],
    [['serve', '--port', '70000'], /argument '70000' is invalid/],
    [['analyse'], /Usage: serviceatlas analyse/],
    [['analyse', 'deserts'], /required option '--service-type <code>' not specified/],
    [
      ['analyse', 'deserts', '--service-type', 'GROCERY', '--format', 'xml'],
      /Allowed choices are csv, geojson/,
    ],
    [['analyse', 'deserts', '--service-type', 'GROCERY', '--area', '123'], /--area must be a 4-digit/],
    [['analyse', 'deserts', '--service-type', 'GROCERY', '--threshold', 'soon'], /--threshold/],
  ];
  let results: CliResult[] = [];
  beforeAll(async () => {
    results = await cliBatch(
      env,
      cases.map(([args]) => args),
    );
  });
  it('an unknown command through the real binary exits 1', async () => {
    const r = await cli(env, 'bogus');
    expect({ code: r.code, message: /unknown command 'bogus'/.test(r.stderr) }).toEqual({
      code: 1,
      message: true,
    });
  });
  cases.forEach(([args, message], k) => {
    it(`${args.join(' ') || '(nothing)'} → exit 1`, () => {
      const r = results[k]!;
      expect({ code: r.code, message: message.test(r.stderr) }).toEqual({ code: 1, message: true });
    });
  });
});
