import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { BulkResult } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorState } from '../../components/states.tsx';

type Op = 'resolve' | 'dismiss';

/** Resolve or dismiss the selected incidents in one POST /incidents/bulk (case work). */
export function BulkBar({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const client = useQueryClient();
  const [op, setOp] = useState<Op | null>(null);
  const bulk = useMutation({
    mutationFn: (v: { op: Op; reason: string }) =>
      api.post<BulkResult>('/api/v1/incidents/bulk', { op: v.op, ids, reason: v.reason }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['incidents'] });
      onDone();
    },
  });
  if (ids.length === 0) return null;
  return (
    <div className="row bulk" role="toolbar" aria-label="Bulk actions">
      <span>{ids.length} selected</span>
      <button type="button" onClick={() => setOp('resolve')}>
        Resolve…
      </button>
      <button type="button" onClick={() => setOp('dismiss')}>
        Dismiss…
      </button>
      {bulk.data && (
        <span role="status">
          {bulk.data.succeeded} done, {bulk.data.failed} failed
        </span>
      )}
      {bulk.isError && <ErrorState error={bulk.error} feature="Bulk actions" />}
      <ConfirmDialog
        open={op !== null}
        title={`${op === 'resolve' ? 'Resolve' : 'Dismiss'} ${ids.length} incident(s)`}
        body="Each incident records the reason in its timeline."
        confirmLabel={op === 'resolve' ? 'Resolve' : 'Dismiss'}
        onCancel={() => setOp(null)}
        onConfirm={async (reason) => {
          if (op) await bulk.mutateAsync({ op, reason }).catch(() => undefined);
          setOp(null);
        }}
      />
    </div>
  );
}
