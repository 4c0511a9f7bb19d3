import { type Answer, LoopbackVendor } from './loopback.ts';

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): triggers open an alert per dedup_key (a second
 * trigger with the same key folds into it), resolve closes it, acknowledge/resolve of an unknown key
 * is accepted and ignored. Unknown routing keys are refused 400 `invalid event`.
 */
export class FakePagerDuty extends LoopbackVendor {
  static readonly ROUTING_KEY = 'R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12';
  /** dedup_key → alert state and how many triggers folded into it. */
  readonly alerts = new Map<
    string,
    { status: 'triggered' | 'resolved'; triggers: number; summary: string }
  >();

  constructor() {
    super((req): Answer => {
      if (req.path !== '/v2/enqueue' || req.method !== 'POST')
        return { status: 404, body: { status: 'not found' } };
      const ev = req.json as
        | {
            routing_key?: string;
            event_action?: string;
            dedup_key?: string;
            payload?: { summary?: string; severity?: string; source?: string };
          }
        | undefined;
      if (!ev || ev.routing_key !== FakePagerDuty.ROUTING_KEY)
        return {
          status: 400,
          body: {
            status: 'invalid event',
            message: 'Event object is invalid',
            errors: ['Invalid routing key'],
          },
        };
      const key = ev.dedup_key ?? `auto-${this.requests.length}`;
      if (ev.event_action === 'trigger') {
        const p = ev.payload;
        if (!p?.summary || !p.source || !['critical', 'error', 'warning', 'info'].includes(p.severity ?? ''))
          return {
            status: 400,
            body: {
              status: 'invalid event',
              message: 'Event object is invalid',
              errors: ['payload invalid'],
            },
          };
        const prev = this.alerts.get(key);
        if (prev?.status === 'triggered') prev.triggers += 1;
        else this.alerts.set(key, { status: 'triggered', triggers: 1, summary: p.summary });
      } else if (ev.event_action === 'resolve') {
        const a = this.alerts.get(key);
        if (a) a.status = 'resolved';
      } else if (ev.event_action !== 'acknowledge') {
        return {
          status: 400,
          body: { status: 'invalid event', message: 'Event object is invalid', errors: ['event_action'] },
        };
      }
      return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: key } };
    });
  }
}
