import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken } from './client.ts';
import type { Me } from './types.ts';

/** Who is logged in: null when the session is missing or expired (401). */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async (): Promise<Me | null> => {
      try {
        const me = await api.get<Me>('/api/v1/auth/me');
        setCsrfToken(me.csrf_token);
        return me;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export const can = (me: Me | null | undefined, permission: string): boolean =>
  Boolean(me?.permissions.includes(permission));

export async function login(username: string, password: string): Promise<void> {
  const res = await api.post<{ csrf_token: string }>('/api/v1/auth/login', { username, password });
  setCsrfToken(res.csrf_token);
}

export function useLogout() {
  const client = useQueryClient();
  return async () => {
    try {
      await api.post('/api/v1/auth/logout');
    } finally {
      setCsrfToken(null);
      client.clear();
      client.setQueryData(['me'], null);
    }
  };
}

export interface SsoConfig {
  enabled: boolean;
  login_url?: string;
}

export function useSsoConfig() {
  return useQuery({
    queryKey: ['sso-config'],
    queryFn: () => api.get<SsoConfig>('/api/v1/auth/oidc/config'),
    staleTime: Infinity,
  });
}
