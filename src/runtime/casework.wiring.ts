import { SqlCaseworkStore, SqlSavedViewStore, type SqlDatabase } from '../adapters/sql/index.ts';
import { CaseworkService } from '../core/incidents/casework.service.ts';
import type { IncidentDecisionsService } from '../core/incidents/incident-decisions.service.ts';
import type { EventBus, Logger } from '../ports/index.ts';

/** Case work and saved views over the database (docs/CASEWORK.md): what the API serves. */
export function createCasework(
  database: SqlDatabase,
  deps: { decisions: IncidentDecisionsService; bus: EventBus; log: Logger },
): { casework: CaseworkService; savedViews: SqlSavedViewStore } {
  return {
    casework: new CaseworkService({
      store: new SqlCaseworkStore(database),
      decisions: deps.decisions,
      bus: deps.bus,
      log: deps.log.child({ component: 'casework' }),
    }),
    savedViews: new SqlSavedViewStore(database),
  };
}
