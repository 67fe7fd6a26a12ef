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
  SERVICEATLAS_LOCK_WAIT: z.coerce.number().min(0).max(86_400).default(5),
  SERVICEATLAS_SHUTDOWN_TIMEOUT: z.coerce.number().min(0).max(3_600).default(25),
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
  /** Seconds to wait for the embedded data directory's lock before refusing (CLI `--wait` overrides). */
  lockWaitSeconds: number;
  /** Seconds SIGTERM/SIGINT waits for in-flight requests before closing their connections. */
  shutdownTimeoutSeconds: number;
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
    writeTokens: (e.SERVICEATLAS_WRITE_TOKENS ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
    travelModel: {
      circuityFactor: e.SERVICEATLAS_CIRCUITY,
      speedKmh: e.SERVICEATLAS_SPEED_KMH,
      fixedMinutes: e.SERVICEATLAS_FIXED_MINUTES,
    },
    minBroadbandShare: e.SERVICEATLAS_MIN_BROADBAND,
    logLevel: e.LOG_LEVEL,
    lockWaitSeconds: e.SERVICEATLAS_LOCK_WAIT,
    shutdownTimeoutSeconds: e.SERVICEATLAS_SHUTDOWN_TIMEOUT,
  };
}
