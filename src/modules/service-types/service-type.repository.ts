import type { Db } from '../../db/db.js';
import type { ServiceTypeDef } from '../../engine/types.js';

/** The catalogue as stored (users may have added or changed types since the seed). */
export async function listServiceTypes(db: Db): Promise<ServiceTypeDef[]> {
  const rows = await db.selectFrom('service_types').selectAll().orderBy('code').execute();
  return rows.map((r) => ({
    code: r.code,
    nameSv: r.name_sv,
    nameEn: r.name_en,
    thresholdMinutes: r.threshold_minutes,
    thresholdKm: r.threshold_km,
    digitalSubstitute:
      r.substitute_name && r.substitute_adequacy
        ? { name: r.substitute_name, adequacy: r.substitute_adequacy, limitations: r.substitute_limitations }
        : null,
    needRule:
      r.need_base && r.need_per_100 !== null ? { base: r.need_base, placesPer100: r.need_per_100 } : null,
  }));
}

/** Inserts catalogue types that are missing; existing rows (perhaps edited by users) are left alone. */
export async function seedServiceTypes(db: Db, catalogue: readonly ServiceTypeDef[]): Promise<number> {
  if (catalogue.length === 0) return 0;
  const result = await db
    .insertInto('service_types')
    .values(
      catalogue.map((t) => ({
        code: t.code,
        name_sv: t.nameSv,
        name_en: t.nameEn,
        threshold_minutes: t.thresholdMinutes,
        threshold_km: t.thresholdKm,
        substitute_name: t.digitalSubstitute?.name ?? null,
        substitute_adequacy: t.digitalSubstitute?.adequacy ?? null,
        substitute_limitations: t.digitalSubstitute?.limitations ?? null,
        need_base: t.needRule?.base ?? null,
        need_per_100: t.needRule?.placesPer100 ?? null,
      })),
    )
    .onConflict((oc) => oc.column('code').doNothing())
    .executeTakeFirst();
  // A need rule added to the catalogue after a type was stored fills the stored row's empty rule.
  for (const t of catalogue) {
    if (!t.needRule) continue;
    await db
      .updateTable('service_types')
      .set({ need_base: t.needRule.base, need_per_100: t.needRule.placesPer100 })
      .where('code', '=', t.code)
      .where('need_base', 'is', null)
      .execute();
  }
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}
