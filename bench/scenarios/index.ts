import type { Scenario } from '../lib/scenario.ts';
import { complexQuery } from './complex-query.ts';
import { dashboard } from './dashboard.ts';
import { failover } from './failover.ts';
import { footprint } from './footprint.ts';
import { ingest } from './ingest.ts';
import { orchestrators } from './orchestrators.ts';
import { simpleEndpoint } from './simple-endpoint.ts';
import { websockets } from './websockets.ts';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: readonly Scenario[] = [
  simpleEndpoint,
  complexQuery,
  ingest,
  websockets,
  orchestrators,
  failover,
  footprint,
  dashboard,
];
