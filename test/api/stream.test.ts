import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventMap } from '../../src/contracts/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { asAdmin } from '../helpers/auth.ts';
import { eventually, startRuntime, testConfig } from '../helpers/runtime.ts';

/** The live event stream over a real socket: order of a triage's events, filters, resume, shutdown. */

interface Message {
  id?: string;
  type: string;
  occurred_at?: string;
  data?: Record<string, unknown> & { incident_id?: string };
  filters?: unknown;
}

/** A connected client that records every message and can wait for one. */
class Client {
  readonly messages: Message[] = [];
  /** Each message as received: its text and whether it came in a binary frame. */
  readonly frames: { text: string; binary: boolean }[] = [];
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw, binary) => {
      const text = raw.toString();
      this.frames.push({ text, binary });
      this.messages.push(JSON.parse(text) as Message);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static open(query = ''): Promise<Client> {
    const ws = new WebSocket(`${rt.url!.replace(/^http/, 'ws')}/api/v1/stream${query ? `?${query}` : ''}`, {
      headers: asAdmin(),
    });
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
      // Ready once the server confirmed the subscription.
      client
        .until((m) => m.some((x) => x.type === 'subscribed'), 'subscribed')
        .then(() => resolve(client), reject);
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `done(messages)` holds. */
  async until(done: (m: Message[]) => boolean, what: string, timeoutMs = 60_000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.type))}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.messages;
  }

  eventsOf(incidentId: string): Message[] {
    return this.messages.filter((m) => m.data?.incident_id === incidentId);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}

let rt: Runtime;
const clients: Client[] = [];
const open = async (query = '') => {
  const c = await Client.open(query);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  rt = await startRuntime(testConfig(), { listen: true });
}, 120_000);
afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  await rt?.stop();
});

let seq = 0;
/** Posts an alert over real HTTP (unsigned source) and returns its incident id. */
async function postAlert(ip = '45.155.205.233'): Promise<string> {
  seq += 1;
  const res = await fetch(`${rt.url}/api/v1/webhooks/open-source`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      alert_type: 'data_exfiltration',
      severity: 'high',
      title: `stream test ${seq} ${Date.now()}`,
      data: { dest_ip: ip },
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incident_id: string }).incident_id;
}

const finished = (id: string) => (m: Message[]) =>
  m.some((x) => x.type === 'status_changed' && x.data?.incident_id === id && x.data?.from === 'analyzing');

describe('GET /api/v1/stream (WebSocket)', () => {
  it('first message is {type: "subscribed"} with the filters in force', async () => {
    const plain = await open();
    expect(plain.messages[0]).toEqual({ type: 'subscribed', filters: { incident_id: null, types: null } });
    const id = '00000000-0000-4000-8000-000000000001';
    const filtered = await open(`incident_id=${id}&types=status_changed,analysis_complete`);
    expect(filtered.messages[0]).toEqual({
      type: 'subscribed',
      filters: { incident_id: id, types: ['status_changed', 'analysis_complete'] },
    });
    await Promise.all([plain.close(), filtered.close()]);
  });

  it('a bad filter is refused at the handshake with 400', async () => {
    await expect(Client.open('incident_id=not-a-uuid')).rejects.toThrow(/HTTP 400/);
    await expect(Client.open('since=abc')).rejects.toThrow(/HTTP 400/);
    await expect(Client.open('bogus=1')).rejects.toThrow(/HTTP 400/);
    // An unknown event name is refused too, rather than dropped (a typo would wait forever).
    await expect(Client.open('types=status_changed,not_an_event')).rejects.toThrow(/HTTP 400/);
    await expect(Client.open(`incident_id=urn:uuid:00000000-0000-4000-8000-000000000001`)).rejects.toThrow(
      /HTTP 400/,
    );
  });

  it('an alert produces alert_received, incident_created, then the triage events in order', async () => {
    const client = await open();
    const id = await postAlert();
    await client.until(finished(id), `triage events of ${id}`);
    // The playbook's propose_action / notify steps publish their own events, and the response actions
    // they propose theirs (all after analysis_complete, docs/RESPONSE.md).
    const stepEvents = new Set([
      'action_recommended',
      'notification_requested',
      'actions_proposed',
      'action_status_changed',
    ]);
    const all = client.eventsOf(id);
    expect(all.some((e) => stepEvents.has(e.type))).toBe(true);
    const events = all.filter((e) => !stepEvents.has(e.type));
    expect(events.map((e) => e.type).slice(0, 7)).toEqual([
      'alert_received',
      'incident_created',
      'status_changed',
      'enrichment_complete',
      'status_changed',
      'analysis_complete',
      'status_changed',
    ]);
    const moves = events
      .filter((e) => e.type === 'status_changed')
      .map((e) => `${e.data!.from}->${e.data!.to}`);
    expect(moves).toEqual(['new->enriching', 'enriching->analyzing', 'analyzing->pending_review']);
    expect(events[0]!.data).toMatchObject({
      source: 'open-source',
      deduplicated: false,
      occurrence_count: 1,
    });
    expect(events[1]!.data).toMatchObject({ severity: 'high', incident_type: 'data_exfiltration' });
    expect(events[5]!.data).toMatchObject({ classification: 'malicious' });
    // Every event has an id, increasing, and a timestamp.
    const ids = all.map((e) => e.id!);
    expect(ids.every((x) => typeof x === 'string' && x.length > 0)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.every((e) => !Number.isNaN(Date.parse(e.occurred_at!)))).toBe(true);
    await client.close();
  }, 90_000);

  it('filters: incident_id keeps one incident, types keeps the named events', async () => {
    const first = await postAlert('8.8.8.8');
    const byIncident = await open(`incident_id=${first}`);
    const byType = await open('types=incident_created,analysis_complete');
    const both = await open(`incident_id=${first}&types=status_changed`);
    const everything = await open();
    const second = await postAlert();
    await everything.until(finished(second), 'triage of the second alert');
    // An analyst decision on the first incident, after the filtered clients connected.
    const res = await rt.app.inject({
      headers: asAdmin(),
      method: 'POST',
      url: `/api/v1/incidents/${first}/escalate`,
      payload: { reason: 'look closer' },
    });
    expect(res.statusCode, res.body).toBe(200);
    await byIncident.until(
      (m) => m.some((x) => x.type === 'status_changed' && x.data?.to === 'escalated'),
      'escalation',
    );
    await both.until(
      (m) => m.some((x) => x.type === 'status_changed' && x.data?.to === 'escalated'),
      'escalation (both)',
    );
    await byType.until(
      (m) => m.some((x) => x.type === 'analysis_complete' && x.data?.incident_id === second),
      'analysis of the second',
    );

    const rest = (c: Client) => c.messages.slice(1);
    expect(rest(byIncident).length).toBeGreaterThan(0);
    expect(rest(byIncident).every((m) => m.data?.incident_id === first)).toBe(true);
    expect(rest(both).every((m) => m.data?.incident_id === first && m.type === 'status_changed')).toBe(true);
    expect(rest(byType).every((m) => m.type === 'incident_created' || m.type === 'analysis_complete')).toBe(
      true,
    );
    expect(
      rest(byType)
        .filter((m) => m.data?.incident_id === second)
        .map((m) => m.type),
    ).toEqual(['incident_created', 'analysis_complete']);
    // The unfiltered client saw what the filtered ones dropped.
    expect(everything.eventsOf(second).some((m) => m.type === 'alert_received')).toBe(true);
    await Promise.all([byIncident, byType, both, everything].map((c) => c.close()));
  }, 90_000);

  it('resume: reconnecting with since=<last id> replays the events missed while away, after "subscribed"', async () => {
    const before = await open();
    const seen = await postAlert();
    await before.until(finished(seen), 'first triage');
    const lastId = before.messages.at(-1)!.id!;
    await before.close();

    const missed = await postAlert('185.220.101.47');
    // Its triage runs while no client is connected.
    await eventually(
      async () => {
        const d = (await rt.app.inject({ url: `/api/v1/incidents/${missed}`, headers: asAdmin() })).json();
        return d.verdict && !['new', 'enriching', 'analyzing'].includes(d.status);
      },
      'triage of the missed alert',
      60_000,
    );

    const resumed = await open(`since=${lastId}`);
    expect(resumed.messages[0]!.type).toBe('subscribed');
    await resumed.until(finished(missed), 'replay of the missed events');
    const replayed = resumed.messages.slice(1);
    expect(replayed.every((m) => m.id! > lastId)).toBe(true);
    expect(replayed.some((m) => m.data?.incident_id === seen)).toBe(false);
    expect(
      resumed
        .eventsOf(missed)
        .map((m) => m.type)
        .slice(0, 2),
    ).toEqual(['alert_received', 'incident_created']);
    const ids = replayed.map((m) => m.id!);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);

    // Resuming from the latest id replays nothing old; live events still arrive.
    const latest = resumed.messages.at(-1)!.id!;
    const again = await open(`since=${latest}`);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.messages.slice(1).filter((m) => m.id! <= latest)).toEqual([]);
    await Promise.all([resumed.close(), again.close()]);
  }, 120_000);

  /** Publishes straight on the bus (as an orchestrator would) and returns the event id. */
  const publish = (incidentId: string, to: string, extra: Record<string, unknown> = {}) =>
    rt.transports.bus.publish('status_changed', {
      incident_id: incidentId,
      from: 'new',
      to,
      by: 'stream test',
      ...extra,
    } as EventMap['status_changed']);
  const created = (incidentId: string) =>
    rt.transports.bus.publish('incident_created', {
      incident_id: incidentId,
    } as unknown as EventMap['incident_created']);
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it('each event is one text frame holding exactly its JSON, byte-identical for every client', async () => {
    const a = await open();
    const b = await open('types=status_changed');
    const incident = uuid(100);
    const id = await publish(incident, 'enriching', { note: 'ünïcödé ✓' });
    const got = (m: Message[]) => m.some((x) => x.id === id);
    await Promise.all([a.until(got, 'event on a'), b.until(got, 'event on b')]);
    const frameOf = (c: Client) => c.frames.find((f) => f.text.includes(`"id":"${id}"`))!;
    const fa = frameOf(a);
    const fb = frameOf(b);
    expect(fa.binary).toBe(false);
    expect(fb.binary).toBe(false);
    expect(fb.text).toBe(fa.text);
    const event = JSON.parse(fa.text) as Message;
    // The wire format: {id, type, occurred_at, data} in that order, nothing else.
    expect(Object.keys(event)).toEqual(['id', 'type', 'occurred_at', 'data']);
    expect(fa.text).toBe(JSON.stringify(event));
    expect(event).toMatchObject({
      id,
      type: 'status_changed',
      data: { incident_id: incident, to: 'enriching', note: 'ünïcödé ✓' },
    });
    await Promise.all([a.close(), b.close()]);
  });

  it('filters apply per socket to every event of the shared stream', async () => {
    const one = uuid(201);
    const two = uuid(202);
    const byIncident = await open(`incident_id=${one}`);
    const byType = await open('types=status_changed,incident_created');
    const both = await open(`incident_id=${one}&types=status_changed`);
    const onlyCreated = await open('types=incident_created');
    const all = await open();
    const sent: { id: string; type: string; incident: string }[] = [];
    const add = async (type: string, incident: string, p: Promise<string>) =>
      sent.push({ id: await p, type, incident });
    await add('incident_created', one, created(one));
    await add('status_changed', two, publish(two, 'enriching'));
    await add('incident_created', two, created(two));
    await add('status_changed', one, publish(one, 'enriching'));
    await add(
      'kill_switch_activated',
      '',
      rt.transports.bus.publish('kill_switch_activated', { by: 't', reason: 'r' }),
    );
    await add('status_changed', one, publish(one, 'analyzing'));
    await add('incident_created', one, created(one));
    const expectOn = async (c: Client, keep: (e: (typeof sent)[number]) => boolean) => {
      const want = sent.filter(keep).map((e) => e.id);
      await c.until((m) => m.some((x) => x.id === want.at(-1)), `last event of ${want.length}`);
      const ours = new Set(sent.map((e) => e.id));
      expect(
        c.messages
          .slice(1)
          .filter((m) => ours.has(m.id!))
          .map((m) => m.id),
      ).toEqual(want);
    };
    await expectOn(all, () => true);
    await expectOn(byIncident, (e) => e.incident === one);
    await expectOn(byType, (e) => e.type === 'status_changed' || e.type === 'incident_created');
    await expectOn(both, (e) => e.incident === one && e.type === 'status_changed');
    await expectOn(onlyCreated, (e) => e.type === 'incident_created');
    // Every filtered socket got a message the others dropped: the stream is not one shared sequence.
    expect(onlyCreated.messages.some((m) => m.type === 'status_changed')).toBe(false);
    await Promise.all([byIncident, byType, both, onlyCreated, all].map((c) => c.close()));
  });

  it('resume hands over from the replay to the shared stream without gap or duplicate', async () => {
    const incident = uuid(300);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await publish(incident, `step${i}`));
    // Events keep coming while the resuming client connects and replays.
    let publishing = true;
    const during = (async () => {
      for (let i = 5; publishing || i < 15; i++) {
        ids.push(await publish(incident, `step${i}`));
        // Yield to I/O: the in-process bus publishes without any.
        await new Promise((r) => setImmediate(r));
      }
    })();
    const resumed = await open(`since=${ids[1]}&incident_id=${incident}`);
    await resumed.until((m) => m.length > 3, 'some replayed events');
    publishing = false;
    await during;
    const last = await publish(incident, 'done');
    ids.push(last);
    await resumed.until((m) => m.some((x) => x.id === last), 'the last event');
    expect(resumed.messages[0]!.type).toBe('subscribed');
    expect(resumed.messages.slice(1).map((m) => m.id)).toEqual(ids.slice(2));
    await resumed.close();
  });

  it('a client that stops reading is closed with 1013 once its buffer passes the limit, and counted', async () => {
    const limit = rt.hub.maxBufferedBytes;
    rt.hub.maxBufferedBytes = 256 * 1024;
    const counter = async () => (await rt.metrics.wsSlowConsumers.get()).values[0]?.value ?? 0;
    const before = await counter();
    try {
      const slow = await open();
      const healthy = await open();
      slow.ws.pause();
      const incident = uuid(400);
      const big = 'x'.repeat(16 * 1024);
      let published = 0;
      // Enough to fill the kernel's socket buffers and then the limit; bounded so the test ends.
      while ((await counter()) === before && published < 4000) {
        for (let i = 0; i < 50; i++, published++) await publish(incident, 'enriching', { big });
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(await counter()).toBe(before + 1);
      const last = await publish(incident, 'done');
      await healthy.until((m) => m.some((x) => x.id === last), 'the healthy client keeps receiving');
      slow.ws.resume();
      await slow
        .until(() => slow.closed !== undefined, 'the close of the slow client', 30_000)
        .catch(() => undefined);
      expect(slow.closed?.code).toBe(1013);
      expect(slow.closed?.reason).toMatch(/since=/);
      // It got a prefix of the events (what was buffered before the close), not the rest.
      expect(slow.messages.length).toBeLessThan(published);
      expect(slow.messages.some((m) => m.id === last)).toBe(false);
      const scrape = (await rt.app.inject('/metrics')).body;
      expect(scrape).toMatch(new RegExp(`^tw_websocket_slow_consumer_disconnects_total ${before + 1}$`, 'm'));
      await healthy.close();
    } finally {
      rt.hub.maxBufferedBytes = limit;
    }
  }, 60_000);

  it('runtime.stop() closes connected clients with 1012 (service restart)', async () => {
    const a = await open();
    const b = await open('types=incident_created');
    expect(rt.hub.size).toBeGreaterThanOrEqual(2);
    await rt.stop();
    await a.until(() => a.closed !== undefined, 'close of a', 10_000).catch(() => undefined);
    await b.until(() => b.closed !== undefined, 'close of b', 10_000).catch(() => undefined);
    expect(a.closed?.code).toBe(1012);
    expect(b.closed?.code).toBe(1012);
    expect(a.closed?.reason).toMatch(/since=/);
    await eventually(async () => rt.hub.size === 0, 'the hub to forget closed sockets', 5_000);
  }, 60_000);
});
