import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import type { ListOf, WebhookSource } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { SimpleTable } from '../components/simple-table.tsx';
import { ErrorState, QueryView } from '../components/states.tsx';
import { SecretOnce } from './webhook-secret-once.tsx';
import { SigningHelp } from './webhook-signing-help.tsx';

type Verb = 'rotate' | 'retire';
const path = (name: string, verb: Verb) => `/api/v1/webhook-sources/${encodeURIComponent(name)}/${verb}`;

/** Webhook sources: signing, rotate a secret (shown once), retire the previous one, how to send a test. */
export function WebhookSourcesPage() {
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ['webhook-sources'],
    queryFn: () => api.get<ListOf<WebhookSource>>('/api/v1/webhook-sources'),
  });
  const [asked, setAsked] = useState<{ name: string; verb: Verb } | null>(null);
  const [shown, setShown] = useState<{ source: string; secret: string } | null>(null);
  const change = useMutation({
    mutationFn: (v: { name: string; verb: Verb }) =>
      api.post<{ source?: WebhookSource; secret?: string }>(path(v.name, v.verb), {}),
    onSuccess: (r, v) => {
      if (r.secret) setShown({ source: v.name, secret: r.secret });
      void client.invalidateQueries({ queryKey: ['webhook-sources'] });
    },
  });
  const ask = (name: string, verb: Verb) => {
    change.reset();
    setAsked({ name, verb });
  };
  return (
    <>
      <h1>Webhook sources</h1>
      {change.isError && <ErrorState error={change.error} feature="Webhook source management" />}
      {shown && <SecretOnce {...shown} onDone={() => setShown(null)} />}
      <QueryView
        query={q}
        feature="Webhook sources"
        empty="No webhook source."
        isEmpty={(d) => d.data.length === 0}
      >
        {(d) => (
          <SimpleTable
            label="Webhook sources"
            rows={d.data}
            rowKey={(s) => s.name}
            columns={[
              { header: 'Name', cell: (s) => <code>{s.name}</code> },
              { header: 'Origin', cell: (s) => s.origin },
              { header: 'Enabled', cell: (s) => (s.enabled ? 'yes' : 'no') },
              {
                header: 'Signature',
                cell: (s) =>
                  (s.unsigned ? 'unsigned' : s.has_secret ? 'HMAC' : 'missing secret') +
                  (s.require_timestamp ? ', timestamp required' : ''),
              },
              {
                header: 'Previous secret valid until',
                cell: (s) => <When at={s.previous_secret_valid_until} />,
              },
              {
                header: 'Secret',
                cell: (s) =>
                  s.read_only || s.unsigned ? (
                    <span className="muted">{s.read_only ? 'from configuration' : '—'}</span>
                  ) : (
                    <div className="row">
                      <button
                        type="button"
                        aria-label={`Rotate the secret of ${s.name}`}
                        onClick={() => ask(s.name, 'rotate')}
                      >
                        Rotate…
                      </button>
                      {s.previous_secret_valid_until && (
                        <button
                          type="button"
                          aria-label={`Retire previous secret of ${s.name}`}
                          onClick={() => ask(s.name, 'retire')}
                        >
                          Retire previous…
                        </button>
                      )}
                    </div>
                  ),
              },
              { header: 'Test', cell: (s) => <SigningHelp source={s} /> },
            ]}
          />
        )}
      </QueryView>
      <ConfirmDialog
        open={asked !== null}
        askReason={false}
        danger={asked?.verb === 'retire'}
        title={
          asked?.verb === 'rotate'
            ? `Rotate the secret of ${asked.name}?`
            : `Retire the previous secret of ${asked?.name ?? ''}?`
        }
        body={
          asked?.verb === 'rotate'
            ? 'A new secret is generated and shown once. The current one stays valid for the grace period, so the sender can switch.'
            : 'Only the current secret is accepted from now on: a sender still using the old one is refused.'
        }
        confirmLabel={asked?.verb === 'rotate' ? 'Rotate' : 'Retire'}
        onCancel={() => setAsked(null)}
        onConfirm={async () => {
          if (asked) await change.mutateAsync(asked).catch(() => undefined);
          setAsked(null);
        }}
      />
    </>
  );
}
