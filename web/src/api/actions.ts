import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type { ActionView } from './types.ts';

/** `{data: [...]}` as the list routes answer (a bare array is accepted too). */
export function listItems<T>(body: { data?: T[]; items?: T[] } | T[]): T[] {
  return Array.isArray(body) ? body : (body.data ?? body.items ?? []);
}

export const fetchActions = async (incidentId: string) =>
  listItems(await api.get<{ data: ActionView[] }>(`/api/v1/incidents/${incidentId}/actions`));

export const fetchApprovals = async () =>
  listItems(await api.get<{ data: ActionView[] }>('/api/v1/approvals'));

/** Approve or deny a pending action (POST /approvals/:id/approve|deny {comment}). */
export function useDecideAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; verb: 'approve' | 'deny'; comment: string }) =>
      api.post<ActionView>(`/api/v1/approvals/${v.id}/${v.verb}`, { comment: v.comment }),
    onSuccess: (_r, v) => {
      void client.invalidateQueries({ queryKey: ['approvals'] });
      void client.invalidateQueries({ queryKey: ['actions'] });
      void v;
    },
  });
}
