import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { databaseLabel } from '../../src/db/read-replicas.js';

/** DATABASE_READ_URL: standbys for reads, only beside a primary, named without their credentials. */
describe('DATABASE_READ_URL', () => {
  it('lists the standbys with the lag limit and poll interval', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://sa@primary/sa',
      DATABASE_READ_URL: 'postgres://sa@standby1/sa, postgresql://sa:secret@standby2:5433/sa',
      SERVICEATLAS_MAX_STANDBY_LAG_MS: '2000',
    });
    expect(config.readReplicas).toEqual({
      urls: ['postgres://sa@standby1/sa', 'postgresql://sa:secret@standby2:5433/sa'],
      maxLagMs: 2000,
      pollMs: 250,
    });
    expect(config.readReplicas.urls.map(databaseLabel)).toEqual(['standby1:5432/sa', 'standby2:5433/sa']);
    expect(loadConfig({}).readReplicas.urls).toEqual([]);
  });

  it('refuses standbys without a primary, and a URL that is not PostgreSQL, without echoing a password', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://sa@standby/sa' })).toThrow(/needs DATABASE_URL/);
    const refusal = (() => {
      try {
        loadConfig({
          DATABASE_URL: 'postgres://sa@primary/sa',
          DATABASE_READ_URL: 'mysql://u:hunter2@db/sa',
        });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(refusal).toMatch(/DATABASE_READ_URL: not a postgres:\/\/ URL/);
    expect(refusal).not.toContain('hunter2');
  });
});
