import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { applyEvent } from './live-cache.ts';
import type { BusEvent } from './types.ts';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** 4400/4416: the `since` we sent is unknown or in the future; start over without it. */
const RESUME_REFUSED = new Set([4400, 4416]);

/**
 * One WebSocket to /api/v1/stream for the whole dashboard (the session cookie authenticates it).
 * It resumes after a drop with `since=<last id>`, and when the server cannot resume it refetches
 * everything once instead.
 */
export function useEventStream(enabled: boolean): StreamState {
  const client = useQueryClient();
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    if (!enabled) return;
    let socket: WebSocket | null = null;
    let lastId: string | null = null;
    let attempt = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const since = lastId ? `?since=${encodeURIComponent(lastId)}` : '';
      socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/stream${since}`);
      socket.onopen = () => {
        attempt = 0;
        setState('live');
      };
      socket.onmessage = (msg) => {
        try {
          const event = JSON.parse(String(msg.data)) as BusEvent;
          lastId = event.id;
          applyEvent(client, event);
        } catch {
          // A frame that is not an event is ignored.
        }
      };
      socket.onclose = (ev) => {
        if (stopped) return;
        setState('reconnecting');
        if (RESUME_REFUSED.has(ev.code)) {
          lastId = null;
          void client.invalidateQueries();
        }
        attempt += 1;
        timer = setTimeout(open, Math.min(500 * 2 ** attempt, 15_000));
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000);
    };
  }, [enabled, client]);
  return state;
}
