import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { seedLudvika } from './fixture.js';

/**
 * The service plan as a planner prints it: headless Chromium opens /reports/municipality/2085, prints it to
 * an A4 PDF (at least two pages: the plan breaks pages between its sections) and shows the SVG maps; a
 * screenshot lands in test-artifacts/report-2085.png.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is required in CI but missing`);
if (!hasChromium)
  console.warn(`report browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

/** Pages of a PDF: its /Type /Page objects (not /Pages), counted in the uncompressed object headers. */
function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

describe.skipIf(!hasChromium)('the service plan in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    await seedLudvika(server.app.db);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('prints to an A4 PDF of several pages with the maps drawn', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Nothing the page asks for may fail: no 404 in the console (the icon included).
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`); // an unescaped name would run its script here
      void d.dismiss();
    });
    const res = await page.goto(`${server.url}/reports/municipality/2085`);
    expect(res?.status()).toBe(200);
    const maps = await page.locator('figure.map svg').count();
    expect(maps).toBe(4);
    const box = await page.locator('figure.map svg').first().boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(await page.locator('figure.map svg circle.settlement').count()).toBeGreaterThan(0);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/report-2085.png', fullPage: true });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    console.log(`report PDF: ${pdfPageCount(pdf)} pages`);
    expect(pdfPageCount(pdf)).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
