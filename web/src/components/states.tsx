import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError, isNotAvailable } from '../api/client.ts';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

export function NotAvailable({ feature }: { feature: string }) {
  return (
    <p className="state unavailable" role="note">
      {feature} is not available on this server.
    </p>
  );
}

export function ErrorState({ error, feature }: { error: unknown; feature?: string }) {
  if (isNotAvailable(error)) return <NotAvailable feature={feature ?? 'This feature'} />;
  const forbidden = error instanceof ApiError && error.status === 403;
  const text = forbidden
    ? 'Your role may not see this.'
    : error instanceof ApiError
      ? `${error.message} (${error.code})`
      : 'The server could not be reached.';
  return (
    <p className="state error" role="alert">
      {text}
    </p>
  );
}

/** Loading, error and empty states of one query, then its content. */
export function QueryView<T>({
  query,
  feature,
  empty,
  isEmpty,
  children,
}: {
  query: UseQueryResult<T>;
  feature?: string;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} {...(feature ? { feature } : {})} />;
  if (empty && isEmpty?.(query.data)) return <Empty>{empty}</Empty>;
  return <>{children(query.data)}</>;
}
