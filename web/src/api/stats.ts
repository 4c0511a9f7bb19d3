import { useQuery } from '@tanstack/react-query';
import type { OverviewStats, StatsWindow } from '../../../src/contracts/stats.ts';
import { api } from './client.ts';

export type { OverviewStats, StatsWindow };

/**
 * The Overview statistics of one window. Kept fresh by the stream (live-cache.ts refetches ['stats']
 * at most every 5 s while incident events arrive) and once a minute, so the buckets roll over with
 * the clock even when nothing happens.
 */
export function useOverviewStats(window: StatsWindow) {
  return useQuery({
    queryKey: ['stats', 'overview', window],
    queryFn: () => api.get<OverviewStats>('/api/v1/stats/overview', { window }),
    refetchInterval: 60_000,
    placeholderData: (previous) => previous,
  });
}
