/**
 * `npm run lint` part two: fails (exit 1) on an import circle in src/ or an import that breaks a layering
 * rule (see scripts/import-graph.ts), printing each.
 */
import { fileURLToPath } from 'node:url';
import { importCircles, importGraph, layerViolations } from './import-graph.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const graph = importGraph(root);
const circles = importCircles(graph);
const violations = layerViolations(graph);
for (const circle of circles)
  console.error(`import circle of ${circle.length} files:\n  ${circle.join('\n  ')}`);
for (const v of violations) console.error(`${v.file} imports ${v.imports}: ${v.rule}`);
if (circles.length > 0 || violations.length > 0) process.exit(1);
console.log(`imports: ${graph.size} files in src/, no circle, layering rules hold`);
