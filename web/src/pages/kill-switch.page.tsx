import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { can, useMe } from '../api/session.ts';
import type { KillSwitch } from '../api/types.ts';
import { When } from '../components/badge.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorState, QueryView } from '../components/states.tsx';

export function KillSwitchPage() {
  const client = useQueryClient();
  const me = useMe();
  const q = useQuery({
    queryKey: ['kill-switch'],
    queryFn: () => api.get<KillSwitch>('/api/v1/kill-switch'),
  });
  const [open, setOpen] = useState(false);
  const flip = useMutation({
    mutationFn: (v: { verb: 'activate' | 'deactivate'; reason: string }) =>
      api.post<{ kill_switch: KillSwitch }>(`/api/v1/kill-switch/${v.verb}`, { reason: v.reason }),
    onSuccess: (r) => client.setQueryData(['kill-switch'], r.kill_switch),
  });
  return (
    <>
      <h1>Kill switch</h1>
      <QueryView query={q} feature="The kill switch">
        {(k) => {
          const verb = k.active ? 'deactivate' : 'activate';
          return (
            <>
              <p className={`banner-state ${k.active ? 'alarm' : ''}`} data-testid="kill-switch-state">
                {k.active
                  ? 'ACTIVE: no automated response action starts. Ingestion and triage go on.'
                  : 'Off: response actions run as policy allows.'}
              </p>
              {k.changed_at && (
                <p className="muted">
                  Last changed by {k.changed_by} <When at={k.changed_at} />
                  {k.reason ? `: ${k.reason}` : ''}
                </p>
              )}
              <button
                type="button"
                className={k.active ? 'primary' : 'danger'}
                disabled={!can(me.data, `kill_switch:${verb}`)}
                onClick={() => setOpen(true)}
              >
                {k.active ? 'Deactivate…' : 'Activate kill switch…'}
              </button>
              {!can(me.data, `kill_switch:${verb}`) && (
                <p className="muted small">Your role may not {verb} it.</p>
              )}
              {flip.isError && <ErrorState error={flip.error} />}
              <ConfirmDialog
                open={open}
                title={k.active ? 'Deactivate the kill switch?' : 'Activate the kill switch?'}
                body={
                  k.active
                    ? 'Automated response actions will start again on every process.'
                    : 'Every automated response action stops on every process within a second.'
                }
                confirmLabel={k.active ? 'Deactivate' : 'Activate'}
                danger={!k.active}
                onCancel={() => setOpen(false)}
                onConfirm={async (reason) => {
                  await flip.mutateAsync({ verb, reason }).catch(() => undefined);
                  setOpen(false);
                }}
              />
            </>
          );
        }}
      </QueryView>
    </>
  );
}
