/**
 * The migrated template database on a PostgreSQL server (when DATABASE_URL is set), named after the
 * run's own database so that two runs on one server (CI and a developer, two worktrees) never drop each
 * other's template.
 */
export const TEMPLATE_DB = `${databaseName(process.env.DATABASE_URL)}_template`.replace(/[^a-z0-9_]/gi, '_');

function databaseName(url: string | undefined): string {
  if (!url) return 'serviceatlas_test';
  return new URL(url).pathname.replace(/^\//, '') || 'serviceatlas_test';
}

/** The same server URL with another database name. */
export function serverUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
