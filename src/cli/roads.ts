/** `serviceatlas import roads <file>`: read, filter and store a road network, then print what it holds. */
import { openApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createProgressReporter, parseCrs } from '../import/index.js';
import { parseRoadFormat } from '../import/roads/index.js';
import { importRoads } from '../modules/roads/road-import.service.js';

export interface RoadImportOptions {
  format?: string;
  crs?: string;
  map?: string;
  speeds?: string;
  source?: string;
}

const count = (n: number) => n.toLocaleString('en-US');

export async function runRoadImport(file: string, options: RoadImportOptions): Promise<number> {
  const format = options.format ? parseRoadFormat(options.format) : undefined;
  const crs = options.crs ? parseCrs(options.crs) : undefined;
  const app = await openApp(loadConfig(), { demo: false, progress: (l) => console.error(l) });
  try {
    const s = await importRoads(app.db, {
      file,
      format,
      crs,
      map: options.map,
      speedsFile: options.speeds,
      source: options.source,
      progressFor: (label) => createProgressReporter(label),
    });
    const rejected = Object.entries(s.rejected)
      .map(([reason, n]) => `${count(n)} ${reason}`)
      .join(', ');
    console.log(
      [
        `Imported roads from ${file} (${s.format}) in ${s.seconds.toFixed(1)} s (import run ${s.importRunId}); the previous network was replaced.`,
        `  ways read ${count(s.waysRead)}, kept ${count(s.waysKept)}${rejected ? ` (not kept: ${rejected})` : ''}`,
        `  edges ${count(s.edges)} (one-way ${count(s.onewayEdges)}, ferry ${count(s.ferryEdges)} from ${count(s.ferryWays)} ferry routes), nodes ${count(s.nodes)}`,
        `  road length ${s.km.toFixed(1)} km`,
        ...(s.missingNodes > 0
          ? [`  ${count(s.missingNodes)} way nodes missing from the file (ways cut there)`]
          : []),
        ...(s.zeroLengthDropped > 0 ? [`  ${count(s.zeroLengthDropped)} zero-length edges dropped`] : []),
      ].join('\n'),
    );
    return 0;
  } finally {
    await app.close();
  }
}
