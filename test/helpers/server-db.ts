/** The migrated template database on a PostgreSQL server (when DATABASE_URL is set). */
export const TEMPLATE_DB = 'serviceatlas_test_template';

/** The same server URL with another database name. */
export function serverUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
