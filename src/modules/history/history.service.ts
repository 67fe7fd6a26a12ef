import type { Deps } from '../../deps.js';
import { invalid } from '../../domain-error.js';
import type { AreaFilter } from '../../geo/area-filter.js';
import { validateArea } from '../../geo/area-filter.js';
import { resolveTravelModel } from '../access/access.service.js';
import { settlementsInArea } from '../access/area-settlements.js';
import { listAreas } from '../areas/area.repository.js';
import { completedSnapshotDates } from '../imports/import-run.repository.js';
import { findServicePoints } from '../service-points/service-point.repository.js';
import { requireServiceTypes } from '../service-types/service-type.service.js';
import type { AccessChanges, IndicatorDelta } from './access-changes.service.js';
import { accessChanges } from './access-changes.service.js';

/** One municipality's indicator change, with its name. */
export type NamedIndicatorDelta = IndicatorDelta & { areaName: string | null };
/** The answer of accessChanges: the changes, each municipality named. */
export type ChangesView = AccessChanges & { indicatorDeltas: NamedIndicatorDelta[] };

/** The use case behind accessChanges (the report calls it too, so its numbers are the API's). */
export async function accessChangesFor(
  deps: Deps,
  args: {
    serviceType: string;
    from: string;
    to: string;
    area?: AreaFilter | null;
    thresholdMinutes?: number;
    travel?: Parameters<typeof resolveTravelModel>[1];
  },
): Promise<ChangesView> {
  if (args.from > args.to) throw invalid('from must not be after to', 'from');
  await requireServiceTypes(deps, [args.serviceType]);
  const model = resolveTravelModel(deps.config.travelModel, args.travel);
  const before = await settlementsInArea(deps, args.area, { asOf: args.from });
  const after = await settlementsInArea(deps, args.area, { asOf: args.to });
  const { repair: _repair, ...area } = validateArea(args.area, deps.config.limits.maxPolygonVertices);
  const given = Object.values(area).some((v) => v != null);
  const inArea = given
    ? new Set((await findServicePoints(deps.db, { ...area, serviceType: args.serviceType })).map((p) => p.id))
    : null;
  const changes = accessChanges(
    args.serviceType,
    { ...before, date: args.from },
    { ...after, date: args.to },
    model,
    (p) => inArea === null || inArea.has(p.id),
    args.thresholdMinutes,
  );
  const names = new Map((await listAreas(deps.db, 'MUNICIPALITY')).map((a) => [a.code, a.name]));
  return {
    ...changes,
    settlementsLosingAccess: changes.settlementsLosingAccess.map((s) => ({ ...s, asOf: args.to })),
    settlementsGainingAccess: changes.settlementsGainingAccess.map((s) => ({ ...s, asOf: args.to })),
    indicatorDeltas: changes.indicatorDeltas.map((d) => ({ ...d, areaName: names.get(d.areaCode) ?? null })),
  };
}

/** The dates of the imported yearly snapshots (`--as-of` of completed imports), ascending. */
export function snapshotDates(deps: Pick<Deps, 'db'>): Promise<string[]> {
  return completedSnapshotDates(deps.db);
}
