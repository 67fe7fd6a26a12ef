import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import '../modules/service-types/service-type.schema.js';
import '../modules/settlements/settlement.schema.js';
import '../modules/service-points/service-point.schema.js';
import '../modules/access/access.schema.js';
import '../modules/gaps/gaps.schema.js';
import '../modules/eservice/eservice.schema.js';
import '../modules/sites/sites.schema.js';
import '../modules/scenarios/scenario.schema.js';
import '../modules/map/map.schema.js';
import '../modules/capacity/capacity.schema.js';
import '../modules/service-points/service-point-write.schema.js';
import '../modules/settlements/settlement-write.schema.js';
import '../modules/audit/audit.schema.js';
import '../modules/history/history.schema.js';

/** The executable schema. Imported only by the server and tests; modules register on the builder. */
export const schema = lexicographicSortSchema(builder.toSchema());
