import type { EventBus, Logger, SlaKind, SlaStore } from '../../ports/index.ts';
import type { PlaybookSource, PlaybookSubject } from './playbook.model.ts';
import type { PlaybookCatalog } from './playbook.catalog.ts';

/** Where breaches are counted (Metrics implements it: tw_playbook_sla_breaches_total). */
export interface SlaTelemetry {
  slaBreached(playbook: string, kind: SlaKind): void;
}

export interface SlaCheckOptions {
  store: SlaStore;
  playbooks: PlaybookSource & Pick<PlaybookCatalog, 'shortestSla' | 'readsAlert'>;
  bus: EventBus;
  log: Logger;
  telemetry: SlaTelemetry;
  /** Incidents per page. Default 200. */
  pageSize?: number;
  /** Pages per kind and pass: bounds one pass's work; the walk resumes there next pass. Default 5. */
  maxPages?: number;
}

const KINDS: readonly [SlaKind, 'time_to_triage_ms' | 'time_to_respond_ms'][] = [
  ['time_to_triage', 'time_to_triage_ms'],
  ['time_to_respond', 'time_to_respond_ms'],
];

/**
 * The leader's SLA check (docs/PLAYBOOKS.md "SLA"). An incident breaches `time_to_triage` when it is
 * still new/enriching/analyzing that long after its creation, and `time_to_respond` when it is not
 * closed by then; the SLA is its playbook's, selected exactly as the pipeline selects it. Each breach
 * is recorded once per incident and kind (a unique key, so a second leader or a re-run cannot count
 * it twice), then announced (`sla_breached`) and counted. Work per pass is bounded: the walk over
 * candidates (keyset, oldest first) stops after `maxPages` pages and resumes there on the next pass,
 * wrapping around at the end.
 */
export class SlaCheck {
  private readonly cursors: Record<SlaKind, string | null> = { time_to_triage: null, time_to_respond: null };
  private readonly pageSize: number;
  private readonly maxPages: number;

  constructor(private readonly o: SlaCheckOptions) {
    this.pageSize = o.pageSize ?? 200;
    this.maxPages = o.maxPages ?? 5;
  }

  /** One pass; returns how many incidents were looked at and how many breaches were recorded. */
  async run(now: Date = new Date()): Promise<{ examined: number; breaches: number }> {
    const shortest = await this.o.playbooks.shortestSla();
    const withAlert = await this.o.playbooks.readsAlert();
    let examined = 0;
    let breaches = 0;
    for (const [kind, prop] of KINDS) {
      const min = shortest[prop];
      if (min === undefined) {
        this.cursors[kind] = null;
        continue;
      }
      // No incident younger than the shortest SLA of this kind can be late.
      const createdBefore = new Date(now.getTime() - min);
      for (let page = 0; page < this.maxPages; page++) {
        const { items, next } = await this.o.store.slaCandidates(
          kind,
          createdBefore,
          this.pageSize,
          this.cursors[kind],
          withAlert,
        );
        this.cursors[kind] = next;
        examined += items.length;
        for (const c of items) {
          const pb = await this.o.playbooks.forIncident({
            incident: c.incident as unknown as PlaybookSubject['incident'],
            ...(c.alert !== undefined ? { alert: c.alert } : {}),
          });
          const limit = pb.sla?.[prop];
          if (limit === undefined) continue;
          const dueAt = new Date(Date.parse(c.incident.created_at) + limit);
          if (dueAt > now) continue;
          const recorded = await this.o.store.recordBreach({
            incidentId: c.incident.id,
            kind,
            playbook: pb.name,
            dueAt,
          });
          if (!recorded) continue;
          breaches++;
          this.o.telemetry.slaBreached(pb.name, kind);
          this.o.log.info({ incident_id: c.incident.id, playbook: pb.name, kind }, 'playbook SLA breached');
          await this.o.bus
            .publish('sla_breached', {
              incident_id: c.incident.id,
              playbook: pb.name,
              kind,
              due_at: dueAt.toISOString(),
            })
            .catch((err: unknown) =>
              this.o.log.warn({ err: String(err) }, 'sla_breached not published (the breach is recorded)'),
            );
        }
        if (next === null) break;
      }
    }
    return { examined, breaches };
  }
}
