import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startFixtureServer } from './fixture-server.js';

/**
 * The demo map in a real headless Chromium: the page loads with no console errors, the settlements
 * layer renders features from the vector tiles, switching the service type or the threshold changes
 * them, a click opens the access popup, and a screenshot lands in test-artifacts/.
 * Runs against a fixture server (tile routes + demo page over a fake data source) and against the real
 * server on a fresh database with the demo region (SCB tätorter 2020, the Dalarna grid, OSM health points and generated points of the other types).
 * Both need Chromium at /usr/bin/chromium and are skipped without it.
 */

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

// CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is required in CI but missing`);
if (!hasChromium) {
  console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}

interface RenderedSettlement {
  id: string;
  minutes: number | null;
  thresholdMinutes: number;
  desert: boolean;
}

declare global {
  interface Window {
    serviceatlasReady: Promise<unknown>;
    serviceatlasLoaded?: boolean;
    serviceatlasMap: {
      queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown> }[];
      getSource(id: string): { tiles?: string[] } | undefined;
      project(lngLat: [number, number]): { x: number; y: number };
    };
    serviceatlas: { settled: Promise<void>; state: { serviceType: string; threshold: number } };
  }
}

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-quic',
      '--disable-component-update',
      '--disable-sync',
      // WebGL without a GPU: Chromium no longer falls back to SwiftShader on its own.
      '--enable-unsafe-swiftshader',
    ],
  });
}

function renderedSettlements(page: Page): Promise<RenderedSettlement[]> {
  return page.evaluate(() =>
    window.serviceatlasMap.queryRenderedFeatures({ layers: ['settlements'] }).map((f) => ({
      id: String(f.properties.id),
      minutes: typeof f.properties.minutes === 'number' ? f.properties.minutes : null,
      thresholdMinutes: Number(f.properties.thresholdMinutes),
      desert: f.properties.desert === true,
    })),
  );
}

/** Minutes by settlement id (a settlement can be drawn in two tiles' buffers: same values). */
const minutesById = (features: RenderedSettlement[]) => new Map(features.map((f) => [f.id, f.minutes]));

async function exerciseDemoMap(browser: Browser, url: string, screenshot: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  page.setDefaultTimeout(30_000);
  try {
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.serviceatlasLoaded === true);

    const before = await renderedSettlements(page);
    expect(before.length).toBeGreaterThan(0);
    const first = await page.evaluate(() => window.serviceatlas.state.serviceType);

    const other = await page.$eval(
      '#service-type',
      (select, current) =>
        Array.from((select as HTMLSelectElement).options, (o) => o.value).find((v) => v !== current),
      first,
    );
    expect(other).toBeDefined();
    await page.selectOption('#service-type', other!);
    await page.evaluate(() => window.serviceatlas.settled);
    expect(await page.evaluate(() => window.serviceatlasMap.getSource('settlements')?.tiles?.[0])).toContain(
      `serviceType=${other}`,
    );
    const after = await renderedSettlements(page);
    expect(after.length).toBeGreaterThan(0);
    const beforeMinutes = minutesById(before);
    const changed = after.filter((f) => beforeMinutes.has(f.id) && beforeMinutes.get(f.id) !== f.minutes);
    expect(changed.length).toBeGreaterThan(0);

    // The slider's change event reloads the tiles with the new threshold.
    await page.$eval('#threshold', (input) => {
      (input as HTMLInputElement).value = '45';
      input.dispatchEvent(new Event('change'));
    });
    await page.evaluate(() => window.serviceatlas.settled);
    const wide = await renderedSettlements(page);
    expect(wide.length).toBeGreaterThan(0);
    expect(new Set(wide.map((f) => f.thresholdMinutes))).toEqual(new Set([45]));
    expect(wide.filter((f) => f.desert).length).toBeLessThanOrEqual(after.filter((f) => f.desert).length);

    // Clicking a settlement opens a popup with its access.
    const target = await page.evaluate(() => {
      const map = window.serviceatlasMap as unknown as {
        queryRenderedFeatures(o: { layers: string[] }): { geometry: { coordinates: [number, number] } }[];
        project(c: [number, number]): { x: number; y: number };
      };
      // The settlement drawn nearest the right half's centre, clear of the control panel.
      const screen = map
        .queryRenderedFeatures({ layers: ['settlements'] })
        .map((f) => map.project(f.geometry.coordinates));
      const dist = (p: { x: number; y: number }) => Math.hypot(p.x - 800, p.y - 400);
      return screen.sort((a, b) => dist(a) - dist(b))[0] ?? null;
    });
    expect(target).not.toBeNull();
    await page.mouse.click(target!.x, target!.y);
    await page.waitForSelector('.maplibregl-popup', { timeout: 5000 });
    expect(await page.textContent('.maplibregl-popup')).toMatch(/Method(ESTIMATED|NETWORK)/);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: screenshot });
    expect(problems).toEqual([]);
  } catch (error) {
    // Say what the page reported: a timeout alone does not tell why the map never became ready.
    if (error instanceof Error && problems.length > 0)
      error.message += `\npage problems:\n${problems.join('\n')}`;
    throw error;
  } finally {
    await page.close();
  }
}

describe.skipIf(!hasChromium)('demo map in headless Chromium, on a fixture server', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    [browser, server] = await Promise.all([launch(), startFixtureServer()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), server?.close()]);
  });

  it('renders settlements, follows the service type and threshold, and opens popups', async () => {
    await exerciseDemoMap(browser, server.url, 'test-artifacts/demo-map-fixture.png');
  });
});

// Skipped without Chromium (reason logged above): the page needs a real browser with WebGL.
describe.skipIf(!hasChromium)('demo map in headless Chromium, on the real server with the demo data', () => {
  let browser: Browser;
  let server: TestServer;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launch(), startTestServer({ demo: true })]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([browser?.close(), server?.close()]);
  });

  it('renders the demo data and writes test-artifacts/demo-map.png', async () => {
    await exerciseDemoMap(browser, server.url, 'test-artifacts/demo-map.png');
  });
});
