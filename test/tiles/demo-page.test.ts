import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handleStatic, STATIC_PATHS } from '../../src/tiles/demo-page.js';

const get = (url: string, headers: Record<string, string> = {}) =>
  handleStatic({ method: 'GET', url, headers });
const text = (body: Uint8Array | string) =>
  typeof body === 'string' ? body : new TextDecoder().decode(body);

describe('handleStatic', () => {
  it('serves the demo page at / with its script, stylesheet and MapLibre from this server', async () => {
    const page = (await get('/'))!;
    expect(page.status).toBe(200);
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    const html = text(page.body);
    expect(html).toBe(readFileSync(new URL('../../public/index.html', import.meta.url), 'utf8'));
    expect(html).toContain('src="/app.js"');
    expect(html).toContain('href="/vendor/maplibre-gl/maplibre-gl.css"');
    expect(html).not.toMatch(/https?:\/\/(?!example\.org)/);
    const app = text((await get('/app.js'))!.body);
    expect(app).toContain("from '/vendor/maplibre-gl/maplibre-gl.mjs'");
    expect(app).not.toMatch(/https?:\/\/(unpkg|cdn|api\.)/);
  });

  it('serves every listed path, MapLibre and its worker as JavaScript', async () => {
    for (const path of STATIC_PATHS) {
      const response = (await get(`${path}?v=6`))!;
      expect(response.status, path).toBe(200);
      expect((response.body as Uint8Array).byteLength, path).toBeGreaterThan(100);
    }
    const lib = (await get('/vendor/maplibre-gl/maplibre-gl.mjs'))!;
    expect(lib.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(text(lib.body)).toContain('maplibre-gl-worker.mjs');
    expect(
      (await get('/vendor/maplibre-gl/maplibre-gl-worker.mjs?v=6.17.0'))!.headers['Content-Type'],
    ).toMatch(/javascript/);
  });

  it('revalidates with ETags', async () => {
    const first = (await get('/app.js'))!;
    const again = (await get('/app.js', { 'If-None-Match': first.headers.ETag! }))!;
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('leaves other paths and methods to the other routes, including files beside the allowed ones', async () => {
    expect(await get('/graphql')).toBeNull();
    expect(await get('/vendor/maplibre-gl/maplibre-gl.mjs.map')).toBeNull();
    expect(await get('/../package.json')).toBeNull();
    expect(await get('/vendor/maplibre-gl/../../package.json')).toBeNull();
    expect(await handleStatic({ method: 'POST', url: '/', headers: {} })).toBeNull();
  });
});
