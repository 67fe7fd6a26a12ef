import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BarProgressReporter,
  LineProgressReporter,
  type ProgressReporter,
  createProgressReporter,
  readAllRecords,
} from '../../src/import/index.js';
import { fixture } from './helpers.js';

function sink(isTTY = false) {
  const lines: string[] = [];
  return { lines, isTTY, write: (text: string) => lines.push(text) };
}

describe('progress reporting', () => {
  it('writes one line per tenth passed, not one per tick', () => {
    const out = sink();
    const progress = new LineProgressReporter('Reading x.csv', out);
    progress.start(1000);
    for (let i = 0; i < 1000; i++) progress.tick();
    progress.stop();
    expect(out.lines).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((p) => `Reading x.csv: ${p}%\n`));
  });

  it('finishes the line log at 100% even when ticks fall short, and skips tenths jumped over', () => {
    const out = sink();
    const progress = new LineProgressReporter('x', out);
    progress.start(10);
    progress.tick(5);
    progress.stop();
    progress.stop();
    expect(out.lines).toEqual(['x: 50%\n', 'x: 100%\n']);
  });

  it('prints only a final count when the total is unknown', () => {
    const out = sink();
    const progress = new LineProgressReporter('x', out);
    progress.start(0);
    progress.tick(3);
    progress.stop();
    expect(out.lines).toEqual(['x: done (3)\n']);
  });

  it('uses a bar on a terminal and lines otherwise', () => {
    expect(createProgressReporter('x', sink(true))).toBeInstanceOf(BarProgressReporter);
    expect(createProgressReporter('x', sink(false))).toBeInstanceOf(LineProgressReporter);
  });

  it('draws a bar on a terminal and leaves it at 100%', () => {
    const out = sink(true);
    const progress = new BarProgressReporter('Reading x.osm', out);
    progress.start(4);
    progress.tick(2);
    progress.stop();
    expect(out.lines.join('')).toContain('Reading x.osm');
    expect(out.lines.join('')).toContain('100%');
  });

  it('is driven by the reader: the file size as total, every byte ticked, stopped once', async () => {
    const content = `name,population\n${Array.from({ length: 2000 }, (_, i) => `Ort ${i},${i}`).join('\n')}\n`;
    const file = fixture('progress.csv', content);
    const calls = { start: [] as number[], ticked: 0, stops: 0 };
    const recorder: ProgressReporter = {
      start: (total) => calls.start.push(total),
      tick: (n = 1) => {
        calls.ticked += n;
      },
      stop: () => {
        calls.stops++;
      },
    };
    expect(await readAllRecords(file, { progress: recorder })).toHaveLength(2000);
    expect(calls).toEqual({ start: [statSync(file).size], ticked: statSync(file).size, stops: 1 });
  });
});
