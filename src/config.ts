import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { TravelModel } from './engine/types.js';
import { DEFAULT_TRAVEL_MODEL } from './engine/types.js';
import type { HttpConfig } from './http/hygiene.js';
import type { JwtConfig } from './modules/keys/jwt.js';

const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  // Hot standbys for reads (docs/scaling.md "Read replicas"): comma-separated PostgreSQL URLs.
  DATABASE_READ_URL: z.string().optional(),
  SERVICEATLAS_MAX_STANDBY_LAG_MS: z.coerce.number().int().min(0).default(5_000),
  // Regional partitions (docs/scaling.md "Regional partitions"): county or municipality codes, comma-separated.
  SERVICEATLAS_REGIONS: z.string().optional(),
  SERVICEATLAS_STANDBY_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(250),
  SERVICEATLAS_DATA_DIR: z.string().min(1).optional(),
  SERVICEATLAS_DEMO: z.enum(['on', 'off', 'andorra']).default('on'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  SERVICEATLAS_MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  SERVICEATLAS_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(12),
  SERVICEATLAS_MAX_COMPLEXITY: z.coerce.number().int().min(100).default(100_000),
  SERVICEATLAS_WRITE_TOKENS: z.string().optional(),
  // Trusted writes (README "Keys, roles and writes"; docs/operations.md "Writes and audit").
  SERVICEATLAS_KEY_SECRET: z
    .string()
    .min(32, 'at least 32 characters (e.g. openssl rand -base64 32)')
    .or(z.literal(''))
    .optional(),
  SERVICEATLAS_READ_AUTH: z.enum(['open', 'key']).default('open'),
  SERVICEATLAS_JWT_ISSUER: z.string().min(1).optional(),
  SERVICEATLAS_JWT_AUDIENCE: z.string().min(1).optional(),
  SERVICEATLAS_JWT_JWKS_URL: z.string().url().optional(),
  SERVICEATLAS_JWT_JWKS: z.string().min(2).optional(),
  SERVICEATLAS_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  SERVICEATLAS_JWT_ALGORITHMS: z.string().default('RS256,ES256,EdDSA'),
  SERVICEATLAS_CIRCUITY: z.coerce.number().min(1).max(5).default(DEFAULT_TRAVEL_MODEL.circuityFactor),
  SERVICEATLAS_SPEED_KMH: z.coerce.number().min(1).max(200).default(DEFAULT_TRAVEL_MODEL.speedKmh),
  SERVICEATLAS_FIXED_MINUTES: z.coerce.number().min(0).max(120).default(DEFAULT_TRAVEL_MODEL.fixedMinutes),
  SERVICEATLAS_TRAVEL: z.enum(['auto', 'estimated']).default('auto'),
  SERVICEATLAS_SNAP_MAX_KM: z.coerce.number().gt(0).max(100).default(5),
  SERVICEATLAS_CONNECTOR_KMH: z.coerce.number().gt(0).max(130).default(20),
  SERVICEATLAS_MIN_BROADBAND: z.coerce.number().min(0).max(1).default(0.8),
  // Work-priced limits (docs/operations.md, "Limits"): every refusal names the variable's limit.
  SERVICEATLAS_MAX_WORK: z.coerce.number().int().min(1000).default(3_000_000),
  SERVICEATLAS_MAX_ALIASES: z.coerce.number().int().min(1).default(30),
  SERVICEATLAS_MAX_ROOT_FIELDS: z.coerce.number().int().min(1).default(20),
  SERVICEATLAS_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  SERVICEATLAS_MAX_TOKENS: z.coerce.number().int().min(100).default(50_000),
  SERVICEATLAS_MAX_NESTING: z.coerce.number().int().min(16).max(1_000).default(128),
  SERVICEATLAS_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 * 1024),
  SERVICEATLAS_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
  // The GraphQL response cache's bound in MB (docs/operations.md, "Memory"); 0 turns it off.
  SERVICEATLAS_RESPONSE_CACHE_MB: z.coerce.number().min(0).max(65_536).default(64),
  // A query document is compiled (graphql-jit) the n-th time it runs; 0 runs everything on graphql-js.
  SERVICEATLAS_GRAPHQL_JIT_AFTER: z.coerce.number().int().min(0).default(2),
  SERVICEATLAS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  SERVICEATLAS_HEAVY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  SERVICEATLAS_HEAVY_QUEUE: z.coerce.number().int().min(0).default(8),
  SERVICEATLAS_HEAVY_WORK: z.coerce.number().int().min(0).default(50_000),
  SERVICEATLAS_ANALYSIS_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  SERVICEATLAS_RATE_LIMIT_IP: z.coerce.number().min(0).default(50),
  SERVICEATLAS_RATE_BURST_IP: z.coerce.number().int().min(1).default(200),
  SERVICEATLAS_RATE_LIMIT_KEY: z.coerce.number().min(0).default(200),
  SERVICEATLAS_RATE_BURST_KEY: z.coerce.number().int().min(1).default(800),
  // HTTP connection hygiene (docs/operations.md, "Connections").
  SERVICEATLAS_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  SERVICEATLAS_RECEIVE_TIMEOUT_MS: z.coerce.number().int().min(0).default(120_000),
  SERVICEATLAS_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  SERVICEATLAS_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1_024),
  SERVICEATLAS_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(128),
  SERVICEATLAS_MAX_WAITING_PER_IP: z.coerce.number().int().min(0).default(32),
  SERVICEATLAS_MAX_POLYGON_VERTICES: z.coerce.number().int().min(4).optional(),
  SERVICEATLAS_CORS_ORIGINS: z.string().default('*'),
  SERVICEATLAS_PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u) && !/[?#]/.test(u), 'an http(s) URL without query or fragment')
    .optional(),
  SERVICEATLAS_TRUST_PROXY: z.enum(['on', 'off']).default('off'),
  SERVICEATLAS_ALLOWED_HOSTS: z.string().optional(),
  SERVICEATLAS_LOCK_WAIT: z.coerce.number().min(0).max(86_400).default(5),
  SERVICEATLAS_TABLE_CACHE: z.string().min(1).optional(),
  SERVICEATLAS_SHARED_TABLES: z.enum(['on', 'off']).default('on'),
  SERVICEATLAS_SHUTDOWN_TIMEOUT: z.coerce.number().min(0).max(3_600).default(25),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  databaseUrl: string | undefined;
  /**
   * Streaming standbys that serve reads (DATABASE_READ_URL, with DATABASE_URL only): one is used while it
   * answers and is at most maxLagMs behind; the poll every pollMs measures that (src/db/read-replicas.ts).
   */
  readReplicas: { urls: string[]; maxLagMs: number; pollMs: number };
  /**
   * The regions this replica holds (SERVICEATLAS_REGIONS: county or municipality codes as the data has
   * them); empty = everything. A partition loads its regions' origins and a halo of points around them
   * and refuses questions about other areas (REGION_NOT_SERVED; src/modules/areas/regions.ts).
   */
  regions: string[];
  dataDir: string;
  demo: boolean;
  /**
   * Which demo an empty database gets (SERVICEATLAS_DEMO): `sweden` (`on`, the default: SCB tätorter,
   * real and generated points) or `andorra` (src/demo/andorra.ts: roads, places, points and parishes from
   * one OpenStreetMap extract).
   */
  demoRegion: 'sweden' | 'andorra';
  port: number;
  maxPageSize: number;
  maxDepth: number;
  maxComplexity: number;
  /** Bearer tokens allowed to write (comma-separated in SERVICEATLAS_WRITE_TOKENS); none = writes disabled. */
  writeTokens: string[];
  /** Server secret keying the HMAC of stored API keys (SERVICEATLAS_KEY_SECRET); unset = keys disabled. */
  keySecret: string | undefined;
  /** 'open': anyone may read; 'key': every /graphql and /tiles request needs a valid key (any role). */
  readAuth: 'open' | 'key';
  /** JWT bearer tokens from an identity provider, when configured (issuer, audience and a key). */
  jwt: JwtConfig | null;
  travelModel: TravelModel;
  /**
   * Road-network travel: used whenever a network is loaded ('auto'), or never ('estimated'); places
   * farther than maxSnapKm from a road are estimated; connectors are driven at connectorKmh.
   */
  network: { use: 'auto' | 'estimated'; maxSnapKm: number; connectorKmh: number };
  minBroadbandShare: number;
  logLevel: string;
  /** Seconds to wait for the embedded data directory's lock before refusing (CLI `--wait` overrides). */
  lockWaitSeconds: number;
  /**
   * Where access tables are kept between starts (SERVICEATLAS_TABLE_CACHE): a directory, `off` (null), or
   * unset (undefined): `<data dir>/serviceatlas-cache/tables` for the embedded database on disk, none with
   * DATABASE_URL. See modules/access/table-cache.ts.
   */
  tableCacheDir: string | null | undefined;
  /**
   * With DATABASE_URL: access tables shared between replicas through the primary (SERVICEATLAS_SHARED_TABLES,
   * default on): the first replica to build a data version's tables stores them, the others load them.
   * See modules/access/shared-tables.ts. Ignored on the embedded database (one process).
   */
  sharedTables: boolean;
  /** Seconds SIGTERM/SIGINT waits for in-flight requests before closing their connections. */
  shutdownTimeoutSeconds: number;
  limits: LimitsConfig;
  /** HTTP timeouts and connection caps (src/http/hygiene.ts). */
  http: HttpConfig;
  /**
   * Bytes the GraphQL response cache may hold (SERVICEATLAS_RESPONSE_CACHE_MB; 0 = off): answers to
   * identical read requests, keyed on the data versions (src/graphql/response-cache.ts).
   */
  responseCacheBytes: number;
  /**
   * The run of a query document at which it is compiled by graphql-jit (SERVICEATLAS_GRAPHQL_JIT_AFTER,
   * default 2; 0 = never): src/graphql/jit-executor.ts.
   */
  graphqlJitAfter: number;
  /**
   * Browser origins allowed to call /graphql (CORS): '*' (any; the default, right for a public read API
   * whose writes need a bearer token, never a cookie), a list of exact origins, or [] (CORS off).
   */
  corsOrigins: '*' | string[];
  /** The URL clients reach this server at (scheme, host, optional path prefix), for TileJSON tile URLs. */
  publicUrl: string | undefined;
  /** Whether X-Forwarded-Proto/X-Forwarded-Host from a reverse proxy are believed (off by default). */
  trustProxy: boolean;
  /** Host names (with optional :port) the Host header may name; [] = loopback names only. */
  allowedHosts: string[];
}

/** Request limits: what one request may cost, and how many heavy analyses run or wait at once. */
export interface LimitsConfig {
  /** Estimated work units (≈ µs of analysis: origins × types, candidates, changed points, vertices, features) per request. */
  maxWork: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  /** Lexical tokens in a document (graphql-js stops parsing beyond). */
  maxTokens: number;
  /**
   * Nesting of a GraphQL document (brackets, fragments followed through their spreads) and of a JSON
   * request body: deeper is refused before parsing, as the parser, validation and JSON.stringify recurse.
   */
  maxNesting: number;
  maxBodyBytes: number;
  /** Serialised response size; large JSON fields are counted while they are built. */
  maxResponseBytes: number;
  /** Per-request time budget; checked between resolvers and by checkBudget() in long loops. */
  requestTimeoutMs: number;
  /** Heavy analyses running at once (the rest wait in the queue). */
  heavyConcurrency: number;
  /** Heavy analyses waiting; beyond, SERVER_BUSY with HTTP 429 and Retry-After. */
  heavyQueue: number;
  /** Estimated work from which a field counts as heavy (takes a queue slot). */
  heavyWork: number;
  /**
   * Worker threads running the heavy analyses off the main event loop (scenarios, site suggestions,
   * closure impact); 0 = in-process. Default: cores − 1, at least 1, at most 4.
   */
  analysisWorkers: number;
  /** Token buckets: sustained requests per second and burst, per client IP and per write token (0 = off). */
  rateLimitPerIp: number;
  rateBurstPerIp: number;
  rateLimitPerKey: number;
  rateBurstPerKey: number;
  /** Vertices in one area polygon (all rings of all parts). */
  maxPolygonVertices: number;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);

/** '*' or the listed origins, each checked to be a bare origin (scheme://host[:port]). */
function corsOrigins(value: string): '*' | string[] {
  if (value.trim() === '*') return '*';
  const origins = list(value);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {}
    if (parsed === null || parsed.origin !== origin) {
      throw new Error(
        `Invalid configuration: SERVICEATLAS_CORS_ORIGINS: '${origin}' is not an origin like https://maps.example.org`,
      );
    }
  }
  return origins;
}

/** The JWT settings: all of issuer, audience and one key source, or none of them. */
function jwtConfig(e: z.infer<typeof envSchema>): JwtConfig | null {
  const keySources = [e.SERVICEATLAS_JWT_JWKS_URL, e.SERVICEATLAS_JWT_JWKS, e.SERVICEATLAS_JWT_PUBLIC_KEY];
  const given = [e.SERVICEATLAS_JWT_ISSUER, e.SERVICEATLAS_JWT_AUDIENCE, ...keySources].some((v) => v);
  if (!given) return null;
  if (
    !e.SERVICEATLAS_JWT_ISSUER ||
    !e.SERVICEATLAS_JWT_AUDIENCE ||
    keySources.filter((v) => v).length !== 1
  ) {
    throw new Error(
      'Invalid configuration: JWT bearer tokens need SERVICEATLAS_JWT_ISSUER, SERVICEATLAS_JWT_AUDIENCE and exactly one of SERVICEATLAS_JWT_JWKS_URL, SERVICEATLAS_JWT_JWKS, SERVICEATLAS_JWT_PUBLIC_KEY',
    );
  }
  return {
    issuer: e.SERVICEATLAS_JWT_ISSUER,
    audience: e.SERVICEATLAS_JWT_AUDIENCE,
    jwksUrl: e.SERVICEATLAS_JWT_JWKS_URL,
    jwks: e.SERVICEATLAS_JWT_JWKS,
    publicKeyPem: e.SERVICEATLAS_JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
    algorithms: list(e.SERVICEATLAS_JWT_ALGORITHMS),
  };
}

function readUrls(raw: string | undefined, primary: string | undefined): string[] {
  const urls = list(raw);
  if (urls.length > 0 && !primary)
    throw new Error(
      'Invalid configuration: DATABASE_READ_URL needs DATABASE_URL (the primary takes the writes)',
    );
  for (const url of urls) {
    if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url))
      throw new Error(
        `Invalid configuration: DATABASE_READ_URL: not a postgres:// URL: ${url.split('@').pop()}`,
      );
  }
  return urls;
}

/** Reads and validates the environment once; a bad value fails fast with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  if (
    e.SERVICEATLAS_RECEIVE_TIMEOUT_MS > 0 &&
    e.SERVICEATLAS_HEADERS_TIMEOUT_MS > e.SERVICEATLAS_RECEIVE_TIMEOUT_MS
  )
    throw new Error(
      'Invalid configuration: SERVICEATLAS_HEADERS_TIMEOUT_MS must not exceed SERVICEATLAS_RECEIVE_TIMEOUT_MS',
    );
  return {
    databaseUrl: e.DATABASE_URL,
    readReplicas: {
      urls: readUrls(e.DATABASE_READ_URL, e.DATABASE_URL),
      maxLagMs: e.SERVICEATLAS_MAX_STANDBY_LAG_MS,
      pollMs: e.SERVICEATLAS_STANDBY_POLL_MS,
    },
    regions: [...new Set(list(e.SERVICEATLAS_REGIONS))],
    // The Andorra demo gets a directory of its own, so it never meets the Swedish demo's database.
    dataDir: resolve(
      e.SERVICEATLAS_DATA_DIR ??
        (e.SERVICEATLAS_DEMO === 'andorra' ? './.serviceatlas-andorra' : './.serviceatlas'),
    ),
    demo: e.SERVICEATLAS_DEMO !== 'off',
    demoRegion: e.SERVICEATLAS_DEMO === 'andorra' ? 'andorra' : 'sweden',
    port: e.PORT,
    maxPageSize: e.SERVICEATLAS_MAX_PAGE_SIZE,
    maxDepth: e.SERVICEATLAS_MAX_DEPTH,
    maxComplexity: e.SERVICEATLAS_MAX_COMPLEXITY,
    writeTokens: list(e.SERVICEATLAS_WRITE_TOKENS),
    keySecret: e.SERVICEATLAS_KEY_SECRET || undefined,
    readAuth: e.SERVICEATLAS_READ_AUTH,
    jwt: jwtConfig(e),
    travelModel: {
      circuityFactor: e.SERVICEATLAS_CIRCUITY,
      speedKmh: e.SERVICEATLAS_SPEED_KMH,
      fixedMinutes: e.SERVICEATLAS_FIXED_MINUTES,
    },
    network: {
      use: e.SERVICEATLAS_TRAVEL,
      maxSnapKm: e.SERVICEATLAS_SNAP_MAX_KM,
      connectorKmh: e.SERVICEATLAS_CONNECTOR_KMH,
    },
    minBroadbandShare: e.SERVICEATLAS_MIN_BROADBAND,
    logLevel: e.LOG_LEVEL,
    limits: {
      maxWork: e.SERVICEATLAS_MAX_WORK,
      maxAliases: e.SERVICEATLAS_MAX_ALIASES,
      maxRootFields: e.SERVICEATLAS_MAX_ROOT_FIELDS,
      maxDirectives: e.SERVICEATLAS_MAX_DIRECTIVES,
      maxTokens: e.SERVICEATLAS_MAX_TOKENS,
      maxNesting: e.SERVICEATLAS_MAX_NESTING,
      maxBodyBytes: e.SERVICEATLAS_MAX_BODY_BYTES,
      maxResponseBytes: e.SERVICEATLAS_MAX_RESPONSE_BYTES,
      requestTimeoutMs: e.SERVICEATLAS_REQUEST_TIMEOUT_MS,
      heavyConcurrency: e.SERVICEATLAS_HEAVY_CONCURRENCY,
      heavyQueue: e.SERVICEATLAS_HEAVY_QUEUE,
      heavyWork: e.SERVICEATLAS_HEAVY_WORK,
      analysisWorkers:
        e.SERVICEATLAS_ANALYSIS_WORKERS ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
      rateLimitPerIp: e.SERVICEATLAS_RATE_LIMIT_IP,
      rateBurstPerIp: e.SERVICEATLAS_RATE_BURST_IP,
      rateLimitPerKey: e.SERVICEATLAS_RATE_LIMIT_KEY,
      rateBurstPerKey: e.SERVICEATLAS_RATE_BURST_KEY,
      maxPolygonVertices: e.SERVICEATLAS_MAX_POLYGON_VERTICES ?? defaultMaxPolygonVertices(e.DATABASE_URL),
    },
    http: {
      headersTimeoutMs: e.SERVICEATLAS_HEADERS_TIMEOUT_MS,
      receiveTimeoutMs: e.SERVICEATLAS_RECEIVE_TIMEOUT_MS,
      keepAliveTimeoutMs: e.SERVICEATLAS_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.SERVICEATLAS_MAX_CONNECTIONS,
      maxConnectionsPerIp: e.SERVICEATLAS_MAX_CONNECTIONS_PER_IP,
      maxWaitingPerIp: e.SERVICEATLAS_MAX_WAITING_PER_IP,
    },
    responseCacheBytes: Math.round(e.SERVICEATLAS_RESPONSE_CACHE_MB * 1024 * 1024),
    graphqlJitAfter: e.SERVICEATLAS_GRAPHQL_JIT_AFTER,
    corsOrigins: corsOrigins(e.SERVICEATLAS_CORS_ORIGINS),
    publicUrl: e.SERVICEATLAS_PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: e.SERVICEATLAS_TRUST_PROXY === 'on',
    allowedHosts: list(e.SERVICEATLAS_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    lockWaitSeconds: e.SERVICEATLAS_LOCK_WAIT,
    tableCacheDir:
      e.SERVICEATLAS_TABLE_CACHE === undefined
        ? undefined
        : e.SERVICEATLAS_TABLE_CACHE === 'off'
          ? null
          : resolve(e.SERVICEATLAS_TABLE_CACHE),
    sharedTables: e.SERVICEATLAS_SHARED_TABLES === 'on',
    shutdownTimeoutSeconds: e.SERVICEATLAS_SHUTDOWN_TIMEOUT,
  };
}

/**
 * The default vertex cap of a client polygon: 20,000 on a PostgreSQL server; 5,000 on the embedded
 * database, where PostGIS runs on the server's event loop and tests every candidate row against the polygon
 * in O(vertices) (measured: ~0.35–0.8 s for 6,000 points at 5,000 vertices, 1.4–2.5 s at 19,000, on a loaded
 * 2-core machine; nothing else is answered meanwhile).
 */
export function defaultMaxPolygonVertices(databaseUrl: string | undefined): number {
  return databaseUrl ? 20_000 : 5_000;
}
