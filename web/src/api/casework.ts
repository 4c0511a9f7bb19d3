import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from './client.ts';
import type { Incident } from './types.ts';

/** Statuses after which only a reopen (or closing) applies. */
export const CLOSED_STATUSES: ReadonlySet<string> = new Set([
  'resolved',
  'false_positive',
  'dismissed',
  'closed',
]);

/** True when the server refused a write because the incident changed since it was read (409 with details.version). */
export const isVersionConflict = (err: unknown): boolean =>
  err instanceof ApiError &&
  err.code === 'CONFLICT' &&
  typeof (err.details as { version?: unknown } | undefined)?.version === 'number';

export type IncidentWrite =
  | { kind: 'tags'; add?: string[]; remove?: string[] }
  | { kind: 'override'; severity?: string; incident_type?: string; reason: string }
  | { kind: 'status'; status: string; reason: string }
  | { kind: 'reopen'; reason: string };

const send = (id: string, w: IncidentWrite, version: number): Promise<Incident> => {
  const base = `/api/v1/incidents/${encodeURIComponent(id)}`;
  const { kind, ...body } = w;
  switch (kind) {
    case 'tags':
      return api.put<Incident>(`${base}/tags`, { ...body, version });
    case 'override':
      return api.patch<Incident>(base, { ...body, version });
    case 'status':
      return api.post<Incident>(`${base}/status`, { ...body, version });
    case 'reopen':
      return api.post<Incident>(`${base}/reopen`, { ...body, version });
  }
};

/**
 * One case-work write on an incident, sent with the version the page shows (compare-and-set): when
 * someone changed the incident since, the server answers 409 and nothing is written; either way the
 * detail is refetched so the page shows the current state.
 */
export function useIncidentWrite(incident: Pick<Incident, 'id' | 'version'>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (w: IncidentWrite) => send(incident.id, w, incident.version),
    onSettled: () => client.invalidateQueries({ queryKey: ['incident', incident.id] }),
  });
}
