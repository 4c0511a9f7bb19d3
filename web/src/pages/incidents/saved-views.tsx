import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, isNotAvailable } from '../../api/client.ts';
import type { ListOf, SavedView } from '../../api/types.ts';

/** Saved views (case work): per-user named filter sets. Hidden when this server has none. */
export function SavedViews({
  params,
  onApply,
}: {
  params: Record<string, string>;
  onApply: (query: Record<string, string>) => void;
}) {
  const client = useQueryClient();
  const views = useQuery({ queryKey: ['views'], queryFn: () => api.get<ListOf<SavedView>>('/api/v1/views') });
  const save = useMutation({
    mutationFn: (name: string) => api.post<SavedView>('/api/v1/views', { name, query: params }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['views'] }),
  });
  if (views.isError)
    return isNotAvailable(views.error) ? (
      <p className="muted small">Saved views are not available on this server.</p>
    ) : null;
  return (
    <div className="row views">
      <label>
        Saved view
        <select
          value=""
          onChange={(e) => {
            const v = views.data?.data.find((x) => x.id === e.target.value);
            if (v) onApply(v.query);
          }}
        >
          <option value="">{views.isPending ? 'loading…' : 'choose…'}</option>
          {views.data?.data.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        onClick={() => {
          const name = window.prompt('Name of this view');
          if (name?.trim()) save.mutate(name.trim());
        }}
      >
        Save current view
      </button>
      {save.isError && (
        <span className="state error" role="alert">
          {save.error.message}
        </span>
      )}
    </div>
  );
}
