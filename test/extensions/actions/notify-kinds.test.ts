import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '../../../src/contracts/index.ts';
import { CONNECTOR_KINDS, connectorKind } from '../../../src/extensions/actions/kinds/index.ts';
import { NOTIFY_TICKET_KINDS } from '../../../src/extensions/actions/kinds/notify-ticket.ts';
import { OutboundError } from '../../../src/ports/action-connector.port.ts';
import {
  defang,
  htmlEscape,
  outboundFailure,
  slackEscape,
  statusFailure,
} from '../../../src/extensions/actions/vendors/notify-common.ts';
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

  it('maps HTTP statuses and transport failures to connector codes', () => {
    const res = (status: number, headers: Record<string, string> = {}) => ({
      status,
      headers,
      text: '',
      json: undefined,
    });
    const code = (status: number) => statusFailure('V', res(status));
    expect([401, 403, 404, 400, 409, 422, 429, 500, 503].map((s) => code(s).code)).toEqual([
      'AUTH_FAILED',
      'AUTH_FAILED',
      'NOT_FOUND',
      'REJECTED',
      'REJECTED',
      'REJECTED',
      'RATE_LIMITED',
      'VENDOR_ERROR',
      'VENDOR_ERROR',
    ]);
    expect(code(500).not_applied).toBe(false);
    expect(code(422).not_applied).toBe(true);
    expect(
      statusFailure('V', res(429, { 'retry-after': 'Wed, 21 Oct 2026 07:28:00 GMT' })).details.retry_after,
    ).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(statusFailure('V', res(429, { 'retry-after': '<script>' })).details.retry_after).toBeUndefined();
    expect(outboundFailure('V', new OutboundError('TIMEOUT', 't', true))).toMatchObject({
      code: 'TIMEOUT',
      not_applied: true,
    });
    expect(outboundFailure('V', new OutboundError('TIMEOUT', 't', false))).toMatchObject({
      code: 'OUTCOME_UNKNOWN',
      not_applied: false,
    });
    expect(outboundFailure('V', new OutboundError('NETWORK', 'n', true))).toMatchObject({
      code: 'NETWORK',
      not_applied: true,
    });
    expect(outboundFailure('V', new OutboundError('BLOCKED_URL', 'b', true))).toMatchObject({
      code: 'BLOCKED_URL',
      not_applied: true,
    });
  });
});
