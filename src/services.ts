import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import type { Database } from './db/tables.js';
import type { ServiceTypeDef } from './engine/types.js';
import { listServiceTypes } from './modules/service-types/service-type.repository.js';

/**
 * Long-lived services shared by requests: the catalogue (cached per data version) and, added by the
 * analysis modules, the access engine. Everything here is rebuilt when the data version changes.
 */
export class Services {
  private catalogueCache: Promise<ServiceTypeDef[]> | null = null;

  constructor(
    readonly db: Kysely<Database>,
    readonly config: Config,
  ) {}

  /** The service-type catalogue as stored. */
  catalogue(): Promise<ServiceTypeDef[]> {
    this.catalogueCache ??= listServiceTypes(this.db);
    return this.catalogueCache;
  }

  /** Drops cached state after a write. */
  invalidate(): void {
    this.catalogueCache = null;
  }
}
