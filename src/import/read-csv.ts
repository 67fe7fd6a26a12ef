/**
 * Streaming CSV reader: a header row, `,` or `;` (or tab) detected from the header, UTF-8 with or
 * without BOM, CRLF or LF. Each row becomes a record keyed by (trimmed) header names, with its line.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { CsvError } from 'csv-parse';
import { ImportError } from './errors.js';
import { fieldTooLong, importLimits } from './limits.js';
import type { ProgressReporter } from './progress.js';
import type { RawRecord } from './record.js';
import { assertUtf8, fileSize, readTextChunks } from './source.js';

const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The delimiter used in a header line: whichever of `,` `;` tab occurs most often outside quotes
 * (`,` on a tie or when none occurs, i.e. a one-column file).
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best: string = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

const NEWLINES = /\r\n|\r|\n/g;

function countNewlines(text: string): number {
  return text.match(NEWLINES)?.length ?? 0;
}

function leadingNewlines(text: string): number {
  const blank = /^[\r\n]*/.exec(text)![0];
  return countNewlines(blank);
}

/** Chunks with the first line available in the first one, so the delimiter can be detected. */
async function headAndRest(
  chunks: AsyncGenerator<string>,
  file: string,
  maxRecordBytes: number,
): Promise<{ head: string; rest: AsyncGenerator<string> }> {
  let head = '';
  while (!/[\r\n]/.test(head)) {
    if (head.length > maxRecordBytes) {
      await chunks.return(undefined);
      throw new ImportError(recordTooLong(maxRecordBytes), { file, line: 1 });
    }
    const next = await chunks.next();
    if (next.done) break;
    head += next.value;
  }
  return { head, rest: chunks };
}

function recordTooLong(maxRecordBytes: number): string {
  return (
    `a record longer than ${maxRecordBytes} characters (SERVICEATLAS_IMPORT_MAX_RECORD_KB=` +
    `${maxRecordBytes / 1024}): an unclosed quote, or not a CSV file?`
  );
}

/** Streams a CSV file's rows as raw records (`format: 'csv'`, `geometry: null`). */
export async function* readCsvRecords(
  file: string,
  progress: ProgressReporter,
  path = file,
): AsyncGenerator<RawRecord> {
  progress.start(fileSize(file, path));
  const limits = importLimits();
  const { head, rest } = await headAndRest(readTextChunks(file, progress, path), file, limits.maxRecordBytes);
  if (head.trim() === '') throw new ImportError('the file is empty (a header row is required)', { file });
  const delimiter = detectDelimiter(head.split(/\r\n|\r|\n/, 1)[0]!);

  const parser = parse({
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    raw: true,
    info: true,
    // One record may not swallow the file (an unclosed quote, a 4 GiB line): csv-parse would hold it all.
    max_record_size: limits.maxRecordBytes,
  });
  const input = Readable.from(
    (async function* () {
      yield head;
      yield* rest;
    })(),
  );
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  let header: string[] | null = null;
  // csv-parse's own line count drifts on CRLF inside quotes, so lines are counted from the raw text.
  let linesBefore = 0;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const line = 1 + linesBefore + leadingNewlines(raw);
      linesBefore += countNewlines(raw);
      if (header === null) {
        assertUtf8(raw, { file, line });
        header = record.map((name) => name.trim());
        const seen = new Set<string>();
        for (const name of header) {
          if (seen.has(name)) {
            throw new ImportError(`the header names column "${name}" twice`, { file, line });
          }
          seen.add(name);
        }
        continue;
      }
      assertUtf8(raw, { file, line });
      const properties: Record<string, unknown> = {};
      let longField: { name: string; problem: string } | null = null;
      header.forEach((name, i) => {
        const value = record[i] ?? '';
        const problem = longField ? null : fieldTooLong(value.length, limits);
        // Only its start is kept: a 200 MB name would be copied into every message and list.
        if (problem) longField = { name, problem };
        properties[name] = problem ? value.slice(0, 100) : value;
      });
      const csvRecord: RawRecord = {
        format: 'csv',
        position: { line, featureIndex: null },
        properties,
        geometry: null,
      };
      const tooLong = longField as { name: string; problem: string } | null;
      if (tooLong) csvRecord.rejection = { kind: 'error', field: tooLong.name, message: tooLong.problem };
      if (record.length !== header.length) {
        csvRecord.rejection = {
          kind: 'error',
          field: null,
          message:
            `has ${record.length} fields but the header has ${header.length} ` +
            `(delimiter "${delimiter === '\t' ? '\\t' : delimiter}"; an unquoted "${delimiter}" inside a value?)`,
        };
      }
      yield csvRecord;
    }
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const csvError = error as CsvError & { lines?: number };
    if (csvError.code === 'CSV_MAX_RECORD_SIZE')
      throw new ImportError(recordTooLong(limits.maxRecordBytes), {
        file,
        line: 1 + linesBefore,
      });
    throw new ImportError(`not valid CSV: ${csvError.message}`, { file, line: csvError.lines ?? null });
  } finally {
    input.destroy();
  }
  if (header === null) throw new ImportError('the file is empty (a header row is required)', { file });
}
