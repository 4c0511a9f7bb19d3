import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from './client.ts';
import type { IncidentDetail, IncidentPage } from './types.ts';

export const PAGE_SIZE = 100;

/** Incidents matching `params` (list filters), paged by cursor as the table scrolls. */
export function useIncidentPages(params: Record<string, string>) {
  return useInfiniteQuery({
    queryKey: ['incidents', params],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api.get<IncidentPage>('/api/v1/incidents', {
        ...params,
        per_page: PAGE_SIZE,
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    getNextPageParam: (last) => last.pagination.next_cursor,
    staleTime: Infinity, // kept current by the event stream
  });
}

/** How many incidents match one filter (the list's total: exact up to 1,000). */
export function useCount(filter: Record<string, string>) {
  return useQuery({
    queryKey: ['counts', filter],
    queryFn: async () => {
      const page = await api.get<IncidentPage>('/api/v1/incidents', { ...filter, per_page: 1 });
      return { total: page.pagination.total_items, exact: page.pagination.total_exact };
    },
    staleTime: 5_000,
  });
}

export function useIncident(id: string) {
  return useQuery({
    queryKey: ['incident', id],
    queryFn: () => api.get<IncidentDetail>(`/api/v1/incidents/${id}`),
  });
}
