import type { Deps } from '../../deps.js';
import { invalid } from '../../domain-error.js';
import type { ServiceTypeDef } from '../../engine/types.js';

/** Resolves codes against the stored catalogue; an unknown code → BAD_USER_INPUT on `field` naming the known ones. */
export async function requireServiceTypes(
  deps: Pick<Deps, 'snapshot'>,
  codes: readonly string[],
  field = 'serviceType',
): Promise<ServiceTypeDef[]> {
  const { catalogue } = await deps.snapshot();
  const byCode = new Map(catalogue.map((t) => [t.code, t]));
  return codes.map((code) => {
    const def = byCode.get(code);
    if (!def) throw invalid(`Unknown service type ${code}; known: ${[...byCode.keys()].join(', ')}`, field);
    return def;
  });
}
