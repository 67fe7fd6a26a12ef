/**
 * Every example of README.md, run against the demo: each fenced `graphql` block over HTTP (its shown
 * output compared, numbers to the digits the README prints), then each `npx serviceatlas …` line as a
 * child process, in README order, on the same database. The examples are read from the README by
 * test/helpers/readme.ts, so a new example is tested without touching this file.
 *
 * One demo database and ONE server per run of this file: the demo is loaded once, served for the GraphQL
 * examples, and the server stays up for the CLI lines. On the embedded PGlite it holds the data directory
 * as `serviceatlas serve` does, so every CLI line goes through it (the path a reader who followed the
 * README's `npm start` takes); with DATABASE_URL the CLI runs on the server database beside it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { createDb } from '../../src/db/client.js';
import { ERROR_CODES } from '../../src/errors.js';
import { createApiKey } from '../../src/modules/keys/api-key.service.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { TEST_KEY_SECRET, freshCliEnvironment, testConfig } from '../helpers/db.js';
import type { ShellLine } from '../helpers/readme.js';
import { graphqlExamples, readReadme, shellLines, shownOutputPattern } from '../helpers/readme.js';
import type { CliResult } from '../cli/run.js';
import { cliBatch } from '../cli/run.js';
import { inject } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = resolve(ROOT, 'test/fixtures/readme');
const readme = readReadme();

/**
 * Files the README names that the repository cannot ship: the whole-Sweden OSM download (~700 MB) is
 * run as the same command on the vendored Andorra extract (a road import either way).
 */
const STAND_INS: Record<string, string> = {
  'sweden-latest.osm.pbf': resolve(ROOT, 'data/open/osm-andorra-2020/andorra-2020-05-01.osm.pbf'),
};

/** README lines that are not `serviceatlas` commands, and why this test does not run them. */
const NOT_SERVICEATLAS: Record<string, string> = {
  'npm install && npm start': 'installs and starts the server: the demo this test builds is what it serves',
  'npm test': 'the suite itself',
  'export SERVICEATLAS_KEY_SECRET="$(openssl rand -base64 32)"':
    'the test gives the CLI a key secret of its own',
  'SERVICEATLAS_DEMO=andorra npm start':
    'starts the Andorra demo: test/api/andorra-demo.test.ts builds it and checks its NETWORK answers',
  'ogr2ogr -f GPKG apotek.gpkg apotek.csv':
    'GDAL on the e-service export: test/cli/eservice-export.test.ts runs ogr2ogr on the same export',
};

/**
 * `serviceatlas` lines this test does not run, and the test that runs the same command instead. A download
 * needs a server: test/cli/roads-url.test.ts runs `import roads <URL> --clip …` (and `--sha256`) against a
 * local HTTP server serving the vendored extract; nothing here may reach the network.
 */
const RUN_ELSEWHERE: Record<string, string> = {
  'npx serviceatlas import roads https://download.geofabrik.de/europe/sweden-latest.osm.pbf --clip 20':
    'test/cli/roads-url.test.ts (a URL from a local server, --clip by an imported boundary code)',
  'npx serviceatlas import roads sweden-latest.osm.pbf --clip my-area.geojson --sha256 <hex>':
    'test/cli/roads-url.test.ts and test/import/roads-clip.test.ts (--clip by a polygon file, --sha256)',
};

/** An input file of a README command: a repository path as written, else a fixture, else a stand-in. */
function inputFile(name: string): string {
  const inRepo = resolve(ROOT, name);
  if (name.includes('/') && existsSync(inRepo)) return inRepo;
  const fixture = resolve(FIXTURES, basename(name));
  if (existsSync(fixture)) return fixture;
  const standIn = STAND_INS[basename(name)];
  if (standIn) return standIn;
  throw new Error(`README example names ${name}: neither in the repository nor in test/fixtures/readme/`);
}

/** Numbers: equal to the digits the README prints (it rounds); everything else exactly, keys included. */
function expectRounded(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    const digits = (String(expected).split('.')[1] ?? '').length;
    const tolerance = digits === 0 ? 0 : 0.5 * 10 ** -digits + 1e-9;
    expect(
      Math.abs((actual as number) - expected),
      `${path}: ${actual} vs README ${expected}`,
    ).toBeLessThanOrEqual(tolerance);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    for (const [i, e] of expected.entries()) expectRounded((actual as unknown[])[i], e, `${path}[${i}]`);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', path).toBe(true);
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      expectRounded((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}

/** Every `errors` list a mutation payload carries (expected refusals), flattened. */
function payloadErrors(data: unknown): unknown[] {
  if (data === null || typeof data !== 'object') return [];
  return Object.entries(data).flatMap(([k, v]) =>
    k === 'errors' && Array.isArray(v) ? v : payloadErrors(v),
  );
}

const examples = graphqlExamples(readme);
const commands = shellLines(readme);

describe('README.md’s examples, read from it', () => {
  it('finds the GraphQL blocks, the output shown for the first, and the CLI lines', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
    expect(examples[0]!.expected).toBeDefined();
    const serviceatlas = commands.filter((c) => c.words[0] === 'npx' && c.words[1] === 'serviceatlas');
    expect(serviceatlas.length).toBeGreaterThanOrEqual(20);
    // Any other shell line is listed above with the reason it is not run: a new kind of line is noticed.
    const others = commands.filter((c) => !serviceatlas.includes(c)).map((c) => c.command);
    expect(others.sort()).toEqual(Object.keys(NOT_SERVICEATLAS).sort());
  });
});

describe('README.md’s words', () => {
  it('lists the whole closed set of error codes, as src/errors.ts has it', () => {
    const paragraph = /Errors carry `extensions\.code` from a closed set[\s\S]*?\n\n/.exec(readme)?.[0] ?? '';
    const listed = new Set(
      [...paragraph.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]).filter((c) => c !== 'ERROR_CODES'),
    );
    expect([...listed].sort()).toEqual([...ERROR_CODES].sort());
  });
});

describe('README examples on the demo', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  let app: App | undefined;
  let running: RunningServer | undefined;
  let plannerToken: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-readme-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
    env = { ...env, SERVICEATLAS_KEY_SECRET: TEST_KEY_SECRET, SERVICEATLAS_DEMO: 'on' };
    // The migrated template, opened where the CLI will find it: the data directory (held by this server,
    // whose lock names its port, so the CLI goes through it) or the server database.
    const handle = env.DATABASE_URL
      ? await createDb({ databaseUrl: env.DATABASE_URL })
      : await createDb({
          dataDir: env.SERVICEATLAS_DATA_DIR,
          loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]),
          lock: { command: 'serve', waitMs: 0 },
        });
    // The examples' answers are under test here, not their speed (bench/ measures that): a shared, loaded
    // machine must not turn a first, cold query into a TIMEOUT.
    const limits = { ...testConfig().limits, requestTimeoutMs: 300_000 };
    const dataDir = env.SERVICEATLAS_DATA_DIR;
    app = await openApp(testConfig({ limits, ...(dataDir ? { dataDir } : {}) }), { demo: true, handle });
    running = await startServer({ app, config: app.config, port: 0 });
    // The README's write example runs with "the planner key for 2085" (`keys create --role planner --municipality 2085`).
    plannerToken = (
      await createApiKey(app.db, TEST_KEY_SECRET, {
        role: 'planner',
        municipalityCodes: ['2085'],
        countyCodes: [],
        name: 'Ludvika planning office',
      })
    ).token;
  }, 300_000);

  afterAll(async () => {
    await running?.close();
    await app?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function gql(query: string, token?: string) {
    const res = await fetch(`${running!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
  }

  describe('GraphQL', () => {
    for (const example of examples) {
      const first = example.query.trim().split('\n')[0]!.slice(0, 60);
      it(`README line ${example.line} (${example.heading}): ${first}`, async () => {
        const isMutation = /^\s*mutation\b/.test(example.query);
        const { status, body } = await gql(example.query, isMutation ? plannerToken : undefined);
        expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
        expect(status).toBe(200);
        expect(body.data).toBeTruthy();
        // A write example must be accepted as written: no payload errors (FORBIDDEN, BAD_USER_INPUT…).
        expect(payloadErrors(body.data)).toEqual([]);
        if (example.expected !== undefined) expectRounded(body, example.expected);
      });
    }
  });

  describe('CLI, in README order on the same database', () => {
    const lines = commands.filter(
      (x) => x.words[0] === 'npx' && x.words[1] === 'serviceatlas' && !(x.command in RUN_ELSEWHERE),
    );
    /** Each line's arguments as run (files resolved, outputs in the scratch directory) and its result. */
    const runs: { args: string[]; result: CliResult }[] = [];

    beforeAll(async () => {
      // The server stays up: on the embedded database (one writer) each line goes through it.
      // `keys revoke <id>` needs the id `keys create` printed: run up to it, then the rest.
      const revoke = lines.findIndex((c) => c.words[2] === 'keys' && c.words[3] === 'revoke');
      const argsOf = (c: ShellLine, keyId?: string) =>
        c.words.slice(2).map((w, i, all) => {
          if (all[0] === 'keys' && all[1] === 'revoke' && i === 2) return keyId ?? w;
          if (all[0] === 'import' && i === 2) return inputFile(w); // `import <kind> <file>`
          if (all[i - 1] === '--output') return join(dir, w); // outputs go to the scratch directory
          return w;
        });
      const before = lines.slice(0, Math.max(revoke, 0)).map((c) => argsOf(c));
      // One process runs the lines in order through the real runCli (a Node start per line would cost
      // ~20 s each on a loaded machine); exit codes and output are each line's own.
      const first = await cliBatch(env, before);
      const keyId = first.map((r) => /Created \w+ key (k_[a-z0-9]+)/.exec(r.stdout)?.[1]).findLast(Boolean);
      const after = lines.slice(before.length).map((c) => argsOf(c, keyId));
      const second = after.length ? await cliBatch(env, after) : [];
      [...first, ...second].forEach((result, i) => {
        runs.push({ args: [...before, ...after][i]!, result });
      });
    }, 2_400_000);

    lines.forEach((c, n) => {
      it(`README line ${c.line} (${c.heading}): ${c.command.slice(0, 100)}`, () => {
        const { args, result: r } = runs[n]!;
        expect(r.code, `exit ${r.code}\n${r.stderr}`).toBe(0);
        // On the embedded database the line went through the running server (and said so).
        if (!env.DATABASE_URL) expect(r.stderr).toMatch(/(sending the import|running `.*`) through it/);
        if (c.stdoutTo) {
          expect(r.stdout.length).toBeGreaterThan(0);
          writeFileSync(join(dir, c.stdoutTo), r.stdout);
        }
        const printed = `${r.stdout}\n${r.stderr}`;
        for (const shown of c.shownOutput) expect(printed).toMatch(shownOutputPattern(shown));
        if (args.includes('--output')) expect(existsSync(args[args.indexOf('--output') + 1]!)).toBe(true);
      });
    });
  });
});
