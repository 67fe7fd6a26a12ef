/**
 * An import job as data (kind, file, options), with no import code behind it: light enough for the CLI to
 * send a job through a running server without loading the importers (import-jobs.ts runs it).
 */
export const IMPORT_KINDS = [
  'settlements',
  'service-points',
  'areas',
  'roads',
  'grid',
  'connectivity',
] as const;
export type ImportJobKind = (typeof IMPORT_KINDS)[number];

/** The command line's options, as given (validated by the kind's runner). */
export interface ImportJobOptions {
  format?: string;
  crs?: string;
  map?: string;
  typeMap?: string;
  source?: string;
  /** Settlements and service points: the snapshot date YYYY-MM-DD (see import.service.ts). */
  asOf?: string;
  level?: string;
  /** Roads: a speed table overriding data/road-speeds.json. */
  speeds?: string;
  /** Roads: keep only ways with a node in this county/municipality (code) or GeoJSON polygon (file). */
  clip?: string;
  /** Grid: square size in metres (default: from SCB rutids). */
  cellSize?: string;
  /** Grid: 'true' adds to the stored grid instead of replacing it. */
  append?: string;
  /** Connectivity: the licence of the figures, kept with them. */
  licence?: string;
}

export interface ImportJob {
  kind: ImportJobKind;
  /** The file as the user named it: every message and `import_runs.file` use this. */
  file: string;
  options: ImportJobOptions;
}

export function isImportKind(kind: unknown): kind is ImportJobKind {
  return typeof kind === 'string' && (IMPORT_KINDS as readonly string[]).includes(kind);
}
