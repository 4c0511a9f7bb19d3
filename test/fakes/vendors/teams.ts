import { type Answer, LoopbackVendor } from './loopback.ts';

/**
 * A Teams webhook: the secret lives in the URL path (`/webhookb2/<id>/IncomingWebhook/<secret>` for
 * connectors, `/workflows/<id>/triggers/manual/paths/invoke?sig=…` for Workflows). Connectors answer
 * 200 `1`, Workflows 202; a bad card is 400.
 */
export class FakeTeams extends LoopbackVendor {
  static readonly HOOK_PATH = '/webhookb2/abc@tenant/IncomingWebhook/teamssecret/guid';
  static readonly WORKFLOW_PATH = '/workflows/wf1/triggers/manual/paths/invoke';
  readonly cards: Record<string, unknown>[] = [];

  constructor() {
    super((req): Answer => {
      const isHook = req.path === FakeTeams.HOOK_PATH;
      const isFlow = req.path === FakeTeams.WORKFLOW_PATH && req.query.get('sig') === 'flowsig';
      if (!isHook && !isFlow) return { status: 404, body: 'Webhook not found' };
      const msg = req.json as
        { type?: string; attachments?: { contentType?: string; content?: { type?: string } }[] } | undefined;
      const card = msg?.attachments?.[0];
      if (
        msg?.type !== 'message' ||
        card?.contentType !== 'application/vnd.microsoft.card.adaptive' ||
        card.content?.type !== 'AdaptiveCard'
      )
        return { status: 400, body: 'Bad payload received by generic incoming webhook.' };
      this.cards.push(msg as Record<string, unknown>);
      return isHook ? { status: 200, body: '1' } : { status: 202, body: '' };
    });
  }
}
