import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '../../../src/contracts/index.ts';
import { CONNECTOR_KINDS, connectorKind } from '../../../src/extensions/actions/kinds/index.ts';
import { NOTIFY_TICKET_KINDS } from '../../../src/extensions/actions/kinds/notify-ticket.ts';
import { defang, htmlEscape, slackEscape } from '../../../src/extensions/actions/vendors/notify-common.ts';
import { actionRequest, loopbackDeps } from '../../fakes/vendors/request.ts';

describe('ticketing and notification kinds', () => {
  it('are registered once each with the documented action types', () => {
    const kinds = NOTIFY_TICKET_KINDS.map((k) => [k.kind, [...k.actionTypes]]);
    expect(kinds).toEqual([
      ['jira', ['create_ticket', 'update_ticket']],
      ['servicenow', ['create_ticket', 'update_ticket']],
      ['slack', ['notify']],
      ['teams', ['notify']],
      ['pagerduty', ['notify']],
      ['smtp', ['notify']],
      ['webhook', ['notify', 'create_ticket']],
    ]);
    for (const k of NOTIFY_TICKET_KINDS) {
      expect(connectorKind(k.kind)).toBe(k);
      expect(CONNECTOR_KINDS.filter((x) => x.kind === k.kind)).toHaveLength(1);
      for (const t of k.actionTypes) expect(ACTION_TYPES).toContain(t);
      const secretNames = k.secrets.map((s) => s.name);
      for (const s of k.settings) expect(secretNames).not.toContain(s.name);
      // An empty configuration is never valid: each kind needs at least a destination or credential.
      expect(k.validate({}, {}).length).toBeGreaterThan(0);
    }
  });

  it('a connector refuses an action type it is not configured for, without calling out', async () => {
    for (const k of NOTIFY_TICKET_KINDS) {
      const c = k.create(
        { name: k.kind, config: {}, secrets: {}, actionTypes: k.actionTypes },
        loopbackDeps(),
      );
      const r = await c.execute(actionRequest({ action_type: 'isolate_host' }), new AbortController().signal);
      expect(r, k.kind).toMatchObject({ ok: false, code: 'UNSUPPORTED', not_applied: true });
    }
  });

  it('escaping helpers', () => {
    expect(defang('see https://a.example and http://b and javascript:alert(1)')).toBe(
      'see hxxps[://]a.example and hxxp[://]b and javascript[:]alert(1)',
    );
    expect(slackEscape('<!channel> & @here')).toBe('&lt;!channel&gt; &amp; @\u200bhere');
    expect(htmlEscape(`<b a="x">'`)).toBe('&lt;b a=&quot;x&quot;&gt;&#39;');
  });
});
