/**
 * Scenarios (close points, add points, see who gains and loses access): the public API of the folder.
 * types.ts (inputs, results, the baseline), baseline.ts (what every scenario reuses), evaluate.ts (the two
 * strategies), deltas.ts (area indicators). The incremental nearest is the provider's (travel/: withPoints).
 */
export { prepareScenarioBaseline } from './baseline.js';
export { evaluateScenario } from './evaluate.js';
export type {
  AddedPoint,
  AreaIndicatorDelta,
  FlagChange,
  ScenarioBaseline,
  ScenarioChanges,
  ScenarioInput,
  ScenarioResult,
  ScenarioTypeResult,
  SettlementAccessChange,
  SettlementColumns,
} from './types.js';
