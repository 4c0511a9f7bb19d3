import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { BulkResult } from '../../api/types.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorState } from '../../components/states.tsx';
import { BulkResults } from './bulk-results.tsx';

type Op = 'resolve' | 'dismiss';
type Body = { op: Op; reason: string } | { op: 'tag' | 'untag'; tags: string[] };

const tagsOf = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);

/** Resolve, dismiss, tag or untag the selected incidents in one POST /incidents/bulk (case work). */
export function BulkBar({ ids, onDone }: { ids: string[]; onDone: () => void }) {
  const client = useQueryClient();
  const [op, setOp] = useState<Op | null>(null);
  const [tags, setTags] = useState('');
  const bulk = useMutation({
    mutationFn: (body: Body) => api.post<BulkResult>('/api/v1/incidents/bulk', { ...body, ids }),
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ['incidents'] });
      for (const item of r.results)
        if (item.ok) void client.invalidateQueries({ queryKey: ['incident', item.id] });
      if (r.failed === 0) onDone();
    },
  });
  const tag = (which: 'tag' | 'untag') => (e?: FormEvent) => {
    e?.preventDefault();
    const list = tagsOf(tags);
    if (list.length) bulk.mutate({ op: which, tags: list }, { onSuccess: () => setTags('') });
  };
  if (ids.length === 0 && !bulk.data) return null;
  return (
    <div className="stack bulk">
      {ids.length > 0 && (
        <div className="row" role="toolbar" aria-label="Bulk actions">
          <span>{ids.length} selected</span>
          <button type="button" onClick={() => setOp('resolve')}>
            Resolve…
          </button>
          <button type="button" onClick={() => setOp('dismiss')}>
            Dismiss…
          </button>
          <form className="row" onSubmit={tag('tag')} aria-label="Bulk tags">
            <label>
              Tags (comma-separated)
              <input value={tags} onChange={(e) => setTags(e.target.value)} />
            </label>
            <button type="submit" disabled={bulk.isPending || !tags.trim()}>
              Add tags
            </button>
            <button type="button" disabled={bulk.isPending || !tags.trim()} onClick={() => tag('untag')()}>
              Remove tags
            </button>
          </form>
        </div>
      )}
      {bulk.data && <BulkResults result={bulk.data} onClose={() => bulk.reset()} />}
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
