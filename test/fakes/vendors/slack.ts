import { type Answer, bearer, LoopbackVendor } from './loopback.ts';

/**
 * Slack Web API (`/api/chat.postMessage`, `/api/auth.test`) and an incoming webhook
 * (`/services/T0/B0/secret`): answers 200 with `{ok:false, error}` like Slack does.
 */
export class FakeSlack extends LoopbackVendor {
  static readonly TOKEN = 'xoxb-1111-2222-abcdef';
  static readonly HOOK_PATH = '/services/T000/B000/hooksecret';
  readonly messages: Record<string, unknown>[] = [];
  readonly channels = new Set(['C0SOC']);

  constructor() {
    super((req): Answer => {
      if (req.path === FakeSlack.HOOK_PATH && req.method === 'POST') {
        if (!req.json) return { status: 400, body: 'invalid_payload' };
        this.messages.push(req.json as Record<string, unknown>);
        return { status: 200, body: 'ok' };
      }
      if (req.path.startsWith('/services/')) return { status: 403, body: 'invalid_token' };
      if (bearer(req) !== FakeSlack.TOKEN) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
      if (req.path === '/api/auth.test') return { status: 200, body: { ok: true, team: 'SOC', user: 'tw' } };
      if (req.path === '/api/chat.postMessage') {
        const body = req.json as { channel?: string; text?: string } | undefined;
        if (!body?.channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        if (!this.channels.has(body.channel))
          return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        this.messages.push(body as Record<string, unknown>);
        return {
          status: 200,
          body: {
            ok: true,
            channel: body.channel,
            ts: `1700000000.${String(this.messages.length).padStart(6, '0')}`,
          },
        };
      }
      return { status: 404, body: { ok: false, error: 'unknown_method' } };
    });
  }
}
