import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('SERVICEATLAS_DEMO: on (default), off, andorra', () => {
  it('defaults to the Swedish demo in ./.serviceatlas', () => {
    const c = loadConfig({});
    expect([c.demo, c.demoRegion, c.dataDir]).toEqual([true, 'sweden', resolve('./.serviceatlas')]);
    expect(loadConfig({ SERVICEATLAS_DEMO: 'on' }).demoRegion).toBe('sweden');
  });

  it('off starts on an empty database', () => {
    expect(loadConfig({ SERVICEATLAS_DEMO: 'off' }).demo).toBe(false);
  });

  it('andorra gets its own data directory unless one is given', () => {
    const c = loadConfig({ SERVICEATLAS_DEMO: 'andorra' });
    expect([c.demo, c.demoRegion, c.dataDir]).toEqual([true, 'andorra', resolve('./.serviceatlas-andorra')]);
    expect(loadConfig({ SERVICEATLAS_DEMO: 'andorra', SERVICEATLAS_DATA_DIR: '/tmp/x' }).dataDir).toBe(
      '/tmp/x',
    );
  });

  it('refuses another value, naming the variable', () => {
    expect(() => loadConfig({ SERVICEATLAS_DEMO: 'norway' })).toThrow(
      /Invalid configuration: SERVICEATLAS_DEMO/,
    );
  });
});
