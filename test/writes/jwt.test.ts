/**
 * JWT bearer tokens from an identity provider, verified with jose against a key from the configuration
 * (a locally generated ES256 pair: no network), mapped to the same roles and scopes as API keys.
 */
import type { CryptoKey, JWTPayload } from 'jose';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { principalFromClaims } from '../../src/modules/keys/jwt.js';
import { startServer } from '../../src/server.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import type { PointView, UserError } from './fixtures.js';
import { CREATE, PLACES, seedAreas } from './fixtures.js';

const ISSUER = 'https://idp.example.org';
const AUDIENCE = 'serviceatlas';
type Create = { createServicePoint: { servicePoint: PointView | null; errors: UserError[] } };

describe('JWT bearer tokens', () => {
  let server: TestServer;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let jwks: string;

  const sign = (claims: JWTPayload, options: { key?: CryptoKey; audience?: string; expires?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'test-1' })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(options.key ?? privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const pem = await exportSPKI(pair.publicKey);
    jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'test-1', alg: 'ES256' }] });
    server = await startTestServer({
      config: { jwt: { issuer: ISSUER, audience: AUDIENCE, publicKeyPem: pem, algorithms: ['ES256'] } },
    });
    await seedAreas(server.app.db);
  });
  afterAll(() => server?.close());

  const locker = (place: 'ludvika' | 'falun') => ({
    input: {
      name: `Paketskåp ${place}`,
      serviceTypes: ['POST'],
      location: { lon: PLACES[place].lon, lat: PLACES[place].lat },
    },
  });

  it('maps sub, role and municipalities to a scoped planner: accepted in Ludvika (actor jwt:<sub>), FORBIDDEN in Falun', async () => {
    const token = await sign({ sub: 'anna@ludvika.se', role: 'planner', municipalities: ['2085'] });
    const ok = await server.gql<Create>(CREATE, locker('ludvika'), { token });
    expect(ok.data!.createServicePoint.errors).toEqual([]);
    const refused = await server.gql<Create>(CREATE, locker('falun'), { token });
    expect(refused.data!.createServicePoint.errors[0]!.code).toBe('FORBIDDEN');
    const audit = await server.app.db.selectFrom('audit_log').select('actor').execute();
    expect(audit).toEqual([{ actor: 'jwt:anna@ludvika.se' }]);
  });

  it('refuses a wrong audience, an expired token, a foreign signature and a token without a role as UNAUTHENTICATED', async () => {
    const tokens = [
      await sign({ sub: 'a', role: 'admin' }, { audience: 'someone-else' }),
      await sign({ sub: 'a', role: 'admin' }, { expires: '-1m' }),
      await sign({ sub: 'a', role: 'admin' }, { key: otherKey }),
      await sign({ sub: 'a' }),
      await sign({ sub: 'a', role: 'planner', municipalities: ['Ludvika'] }),
    ];
    for (const token of tokens) {
      const r = await server.gql<Create>(CREATE, locker('ludvika'), { token });
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('an admin token reads the audit log', async () => {
    const token = await sign({ sub: 'admin@region', role: 'admin' });
    const r = await server.gql<{ auditLog: { totalCount: number } }>(
      '{ auditLog { totalCount } }',
      undefined,
      { token },
    );
    expect(r.data!.auditLog.totalCount).toBe(1);
  });

  it('verifies against a JWKS document from the configuration as well', async () => {
    const config = loadConfig({
      SERVICEATLAS_DEMO: 'off',
      LOG_LEVEL: 'silent',
      SERVICEATLAS_JWT_ISSUER: ISSUER,
      SERVICEATLAS_JWT_AUDIENCE: AUDIENCE,
      SERVICEATLAS_JWT_JWKS: jwks,
    });
    const other = await startServer({ app: server.app, config, port: 0 });
    try {
      const token = await sign({ sub: 'b', role: 'planner', counties: '20' });
      const res = await fetch(`${other.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `mutation($input: ServicePointInput!) { createServicePoint(input: $input) { errors { code } } }`,
          variables: locker('falun'),
        }),
      });
      expect(((await res.json()) as { data: Create }).data.createServicePoint.errors).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('reads scope claims as arrays or comma-separated strings, and refuses malformed ones', () => {
    expect(
      principalFromClaims({ sub: 'x', role: 'planner', municipalities: '2085, 2084', counties: ['20'] }),
    ).toMatchObject({
      ok: true,
      principal: { id: 'jwt:x', scope: { municipalityCodes: ['2085', '2084'], countyCodes: ['20'] } },
    });
    expect(principalFromClaims({ sub: 'x', role: 'superuser' }).ok).toBe(false);
    expect(principalFromClaims({ role: 'admin' }).ok).toBe(false);
  });

  it('refuses a half-configured JWT setup at start', () => {
    expect(() => loadConfig({ SERVICEATLAS_JWT_ISSUER: ISSUER })).toThrow(/SERVICEATLAS_JWT_AUDIENCE/);
  });
});
