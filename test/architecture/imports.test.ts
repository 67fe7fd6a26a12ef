import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCircles, importGraph, layerViolations } from '../../scripts/import-graph.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the import graph of src/', () => {
  const graph = importGraph(root);

  it('reads the whole of src/ (a broken walk would pass vacuously)', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('src/context.ts')?.files).toContain('src/services.ts');
  });

  it('has no import circle, type-only imports included', () => {
    expect(importCircles(graph)).toEqual([]);
  });

  it('keeps the layers: use cases free of the request context and GraphQL, the engine pure', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('finds a circle and a layering breach when there is one', () => {
    const broken = new Map(graph);
    broken.set('src/modules/access/access.service.ts', {
      files: [...(graph.get('src/modules/access/access.service.ts')?.files ?? []), 'src/context.ts'],
      packages: ['graphql'],
    });
    // history.service → import-run.repository → db/db.ts, and now db/db.ts → history.service.
    broken.set('src/db/db.ts', { files: ['src/modules/history/history.service.ts'], packages: [] });
    const planted = [
      'src/db/db.ts',
      'src/modules/history/history.service.ts',
      'src/modules/imports/import-run.repository.ts',
    ];
    expect(importCircles(broken).some((c) => planted.every((f) => c.includes(f)))).toBe(true);
    expect(importCircles(graph)).toEqual([]);
    const breaches = layerViolations(broken).map((v) => `${v.file} → ${v.imports}`);
    expect(breaches).toContain('src/modules/access/access.service.ts → src/context.ts');
    expect(breaches).toContain('src/modules/access/access.service.ts → graphql');
  });
});
