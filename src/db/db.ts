import type { Kysely, Transaction } from 'kysely';
import type { Database } from './tables.js';

/** What a repository function runs on: the database, or a transaction of it (one type for every repository). */
export type Db = Kysely<Database> | Transaction<Database>;
