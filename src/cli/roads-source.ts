/**
 * The `import roads` argument before the import runs: an https URL is downloaded into the data
 * directory first (src/import/roads/download.ts), a `--sha256` is checked, and a `--clip` polygon file is
 * made absolute (a server taking the import through its internal endpoint reads it by path).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createProgressReporter } from '../import/index.js';
import { ImportError, ImportOptionError } from '../import/errors.js';
import { clipAreaLevel } from '../import/roads/clip.js';
import { downloadFile, isUrlArgument, parseSha256, sha256File } from '../import/roads/download.js';

export interface RoadSourceOptions {
  clip?: string;
  sha256?: string;
  allowHttp?: boolean;
  source?: string;
}

export interface RoadSource {
  /** The local file to import. */
  file: string;
  clip: string | undefined;
  /** The source label (default for a URL: `import: <URL>`). */
  source: string | undefined;
}

/** Resolves the `<file>` of `import roads`: downloads a URL, checks a checksum, fixes the clip path. */
export async function resolveRoadSource(
  file: string,
  options: RoadSourceOptions,
  dataDir: string,
): Promise<RoadSource> {
  const clip =
    options.clip === undefined || clipAreaLevel(options.clip.trim()) !== null
      ? options.clip?.trim()
      : resolve(options.clip);
  if (clip !== undefined && clipAreaLevel(clip) === null && !existsSync(clip))
    throw new ImportOptionError(
      '--clip',
      `${options.clip} is neither a county (2 digits) or municipality (4 digits) code nor an existing GeoJSON file`,
    );
  if (!isUrlArgument(file)) {
    if (options.allowHttp) throw new ImportOptionError('--allow-http', 'applies only when <file> is a URL');
    if (options.sha256 !== undefined) {
      const expected = parseSha256(options.sha256);
      const actual = await sha256File(file).catch((error: Error) => {
        throw new ImportError(`cannot read the file (${error.message})`, { file });
      });
      if (actual !== expected)
        throw new ImportError(
          `checksum mismatch: expected SHA-256 ${expected}, the file has ${actual}; nothing was imported`,
          {
            file,
          },
        );
    }
    return { file, clip, source: options.source };
  }
  const downloaded = await downloadFile(file, {
    dir: join(dataDir, 'downloads'),
    sha256: options.sha256,
    allowHttp: options.allowHttp,
    progress: createProgressReporter(`Downloading ${file}`),
    say: (line) => console.error(line),
  });
  console.error(
    `${downloaded.reused ? 'Reusing' : 'Downloaded'} ${downloaded.path} (${downloaded.bytes.toLocaleString('en-US')} bytes, ` +
      `SHA-256 ${downloaded.sha256}${options.sha256 ? ', as given' : ''}); delete it to free the space once imported.`,
  );
  return { file: downloaded.path, clip, source: options.source ?? `import: ${file}` };
}
