import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalCommand } from '../../src/http/internal-command.js';
import { createInternalImport } from '../../src/http/internal-import.js';

/**
 * /internal/import and /internal/command admit the same requests through the one gate
 * (src/http/internal-auth.ts): POST, loopback, no forwarding header, this run's secret. Both endpoints
 * are served here over real HTTP; the refusals come before either touches its database.
 */
const SECRET = 'this-run-secret-0123456789';
const log = { info: () => {}, error: () => {} };

describe('the internal endpoints’ shared gate', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const endpoints: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
      '/internal/import': createInternalImport({ db: {} as never, secret: SECRET, log }),
      '/internal/command': createInternalCommand({
        db: {} as never,
        config: {} as never,
        services: {} as never,
        secret: SECRET,
        log,
      }),
    };
    server = createServer((req, res) => void endpoints[req.url ?? '']!(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ask = async (path: string, init: RequestInit) => {
    const res = await fetch(`${base}${path}`, init);
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
  };

  for (const path of ['/internal/import', '/internal/command']) {
    it(`${path}: refuses GET, a forwarded request and a wrong secret; admits this run's secret`, async () => {
      expect((await ask(path, { method: 'GET' })).status).toBe(405);
      const forwarded = await ask(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}`, 'x-forwarded-for': '203.0.113.7' },
      });
      expect(forwarded.status).toBe(403);
      expect(forwarded.body.error.message).toMatch(/loopback clients only/);
      const wrong = await ask(path, { method: 'POST', headers: { authorization: 'Bearer not-it' } });
      expect(wrong).toEqual({
        status: 401,
        body: { error: { code: 'UNAUTHENTICATED', message: 'not the secret of this server run' } },
      });
      // Past the gate: the endpoint's own check of the request (no job header / no command body).
      const admitted = await ask(path, { method: 'POST', headers: { authorization: `Bearer ${SECRET}` } });
      expect(admitted.status).toBe(400);
      expect(admitted.body.error.code).toBe('BAD_REQUEST');
    });
  }
});
