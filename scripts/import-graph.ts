/**
 * The import graph of src/ and the layering rules it must keep (run by `npm run lint` through
 * scripts/check-imports.ts, and by test/architecture/imports.test.ts):
 *
 * 1. No import circle, type-only imports included: a circle means two files cannot be read, tested or
 *    moved apart, and a type-only one becomes a runtime one with the next value import.
 * 2. Nothing under `src/modules/` imports the request context (`context.ts`), the shared services
 *    (`services.ts`) or the GraphQL layer (`graphql/*`, a feature's `*.schema.ts`, the `graphql`,
 *    Apollo and Pothos packages), except the `*.schema.ts` files, which are each feature's GraphQL layer:
 *    services, use cases and repositories are called by GraphQL, the CLI, the report and the workers
 *    alike, so they take plain dependencies (src/deps.ts) and throw DomainError.
 * 3. Use cases (modules/ other than `*.schema.ts`), the workers and geo/ do not import `errors.ts` (the
 *    GraphQL error class): they throw DomainError, which the resolver guard maps in one place.
 * 4. `src/engine/` stays pure: no `node:` module, no database, no GraphQL, nothing of src/ outside it.
 *
 * It reads imports with TypeScript's own pre-processor (no type checking, ~0.2 s for src/), so it needs no
 * dependency beyond the compiler the project builds with.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** A file of src/ (path relative to the repository, `/`-separated) and what it imports. */
export interface ImportNode {
  /** Files of the repository it imports (relative imports only). */
  files: string[];
  /** Packages it imports (`graphql`, `node:fs`, `kysely`, …). */
  packages: string[];
}

export type ImportGraph = Map<string, ImportNode>;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) tsFiles(path, out);
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function resolveImport(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The import graph of every `.ts` file under `root/src` (type-only imports and re-exports included). */
export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  const rel = (p: string) => relative(root, p).split('\\').join('/');
  for (const file of tsFiles(join(root, 'src'))) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const node: ImportNode = { files: [], packages: [] };
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.')) {
        const target = resolveImport(file, fileName);
        if (target !== null) node.files.push(rel(target));
      } else {
        node.packages.push(fileName);
      }
    }
    graph.set(rel(file), node);
  }
  return graph;
}

/** Every import circle: the strongly connected components of more than one file (Tarjan), sorted. */
export function importCircles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.files ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.files.includes(v)) circles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** One import that breaks a layering rule. */
export interface LayerViolation {
  file: string;
  imports: string;
  rule: string;
}

const isGraphqlLayer = (target: string) =>
  target === 'src/context.ts' || target === 'src/services.ts' || target.startsWith('src/graphql/');

/** Imports that break rules 2 to 4 above. */
export function layerViolations(graph: ImportGraph): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const [file, { files, packages }] of graph) {
    if (file.startsWith('src/modules/') && !file.endsWith('.schema.ts')) {
      const rule =
        'modules/* (other than *.schema.ts) must not import context.ts, services.ts, graphql/ or a *.schema.ts';
      for (const target of new Set(files))
        if (isGraphqlLayer(target) || target.endsWith('.schema.ts'))
          out.push({ file, imports: target, rule });
      for (const pkg of packages)
        if (
          pkg === 'graphql' ||
          pkg.startsWith('graphql/') ||
          pkg.startsWith('@apollo/') ||
          pkg.startsWith('@pothos/')
        )
          out.push({ file, imports: pkg, rule });
    }
    if (
      (file.startsWith('src/modules/') && !file.endsWith('.schema.ts')) ||
      file.startsWith('src/workers/') ||
      file.startsWith('src/geo/')
    ) {
      const rule = 'use cases, workers and geo/ throw DomainError, not the GraphQL error class (errors.ts)';
      if (files.includes('src/errors.ts')) out.push({ file, imports: 'src/errors.ts', rule });
    }
    if (file.startsWith('src/engine/')) {
      const rule = 'engine/ stays pure: no node:, database, GraphQL or other src/ imports';
      for (const target of files)
        if (!target.startsWith('src/engine/')) out.push({ file, imports: target, rule });
      for (const pkg of packages)
        if (/^(node:|graphql|kysely|pg$|@electric-sql\/|@apollo\/|@pothos\/)/.test(pkg))
          out.push({ file, imports: pkg, rule });
    }
  }
  return out;
}
