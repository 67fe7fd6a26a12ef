import { resolve } from 'node:path';
import { z } from 'zod';
import type { TravelModel } from './engine/types.js';
import { DEFAULT_TRAVEL_MODEL } from './engine/types.js';

const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  SERVICEATLAS_DATA_DIR: z.string().min(1).default('./.serviceatlas'),
  SERVICEATLAS_DEMO: z.enum(['on', 'off']).default('on'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  SERVICEATLAS_MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  SERVICEATLAS_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(12),
  SERVICEATLAS_MAX_COMPLEXITY: z.coerce.number().int().min(100).default(100_000),
  SERVICEATLAS_WRITE_TOKENS: z.string().optional(),
  SERVICEATLAS_CIRCUITY: z.coerce.number().min(1).max(5).default(DEFAULT_TRAVEL_MODEL.circuityFactor),
  SERVICEATLAS_SPEED_KMH: z.coerce.number().gt(0).max(200).default(DEFAULT_TRAVEL_MODEL.speedKmh),
  SERVICEATLAS_FIXED_MINUTES: z.coerce.number().min(0).max(120).default(DEFAULT_TRAVEL_MODEL.fixedMinutes),
  SERVICEATLAS_MIN_BROADBAND: z.coerce.number().min(0).max(1).default(0.8),
  SERVICEATLAS_CORS_ORIGINS: z.string().default('*'),
  SERVICEATLAS_PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u) && !/[?#]/.test(u), 'an http(s) URL without query or fragment')
    .optional(),
  SERVICEATLAS_TRUST_PROXY: z.enum(['on', 'off']).default('off'),
  SERVICEATLAS_ALLOWED_HOSTS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  demo: boolean;
  port: number;
  maxPageSize: number;
  maxDepth: number;
  maxComplexity: number;
  /** Bearer tokens allowed to write (comma-separated in SERVICEATLAS_WRITE_TOKENS); none = writes disabled. */
  writeTokens: string[];
  travelModel: TravelModel;
  minBroadbandShare: number;
  logLevel: string;
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

/** Reads and validates the environment once; a bad value fails fast with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.SERVICEATLAS_DATA_DIR),
    demo: e.SERVICEATLAS_DEMO === 'on',
    port: e.PORT,
    maxPageSize: e.SERVICEATLAS_MAX_PAGE_SIZE,
    maxDepth: e.SERVICEATLAS_MAX_DEPTH,
    maxComplexity: e.SERVICEATLAS_MAX_COMPLEXITY,
    writeTokens: list(e.SERVICEATLAS_WRITE_TOKENS),
    travelModel: {
      circuityFactor: e.SERVICEATLAS_CIRCUITY,
      speedKmh: e.SERVICEATLAS_SPEED_KMH,
      fixedMinutes: e.SERVICEATLAS_FIXED_MINUTES,
    },
    minBroadbandShare: e.SERVICEATLAS_MIN_BROADBAND,
    logLevel: e.LOG_LEVEL,
    corsOrigins: corsOrigins(e.SERVICEATLAS_CORS_ORIGINS),
    publicUrl: e.SERVICEATLAS_PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: e.SERVICEATLAS_TRUST_PROXY === 'on',
    allowedHosts: list(e.SERVICEATLAS_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
  };
}
