import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ConnectorKindView } from '../../../src/contracts/response.ts';
import { listItems } from './actions.ts';
import { api } from './client.ts';
import type { ConnectorView } from './types.ts';

export type { ConnectorKindView };

/** PUT /connectors/:name body: credentials not given keep their stored value (null removes one). */
export interface ConnectorPut {
  kind: string;
  enabled: boolean;
  dry_run: boolean;
  action_types: string[];
  config: Record<string, unknown>;
  secrets?: Record<string, string | null>;
}

const path = (name: string) => `/api/v1/connectors/${encodeURIComponent(name)}`;

export const useConnectors = () =>
  useQuery({
    queryKey: ['connectors'],
    queryFn: async () => listItems(await api.get<{ data: ConnectorView[] }>('/api/v1/connectors')),
  });

export const useConnectorKinds = () =>
  useQuery({
    queryKey: ['connectors', 'kinds'],
    queryFn: async () => listItems(await api.get<{ data: ConnectorKindView[] }>('/api/v1/connectors/kinds')),
    staleTime: Infinity,
  });

/** The body that keeps a connector as it is (no secrets: they stay stored). */
export const putOf = (c: ConnectorView): ConnectorPut => ({
  kind: c.kind,
  enabled: c.enabled,
  dry_run: c.dry_run,
  action_types: c.action_types,
  config: c.config,
});

export function usePutConnector() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { name: string; body: ConnectorPut }) => api.put<ConnectorView>(path(v.name), v.body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['connectors'] }),
  });
}

export function useDeleteConnector() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.del<void>(path(name)),
    onSuccess: () => client.invalidateQueries({ queryKey: ['connectors'] }),
  });
}

export const useTestConnector = () =>
  useMutation({
    mutationFn: (name: string) =>
      api.post<{ ok: boolean; message: string; details?: Record<string, unknown> }>(`${path(name)}/test`, {}),
  });
