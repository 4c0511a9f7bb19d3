export function Badge({
  kind,
  value,
}: {
  kind: 'severity' | 'status' | 'verdict' | 'plain';
  value: string | null;
}) {
  if (!value) return <span className="muted">—</span>;
  return <span className={`badge ${kind}-${value}`}>{value.replaceAll('_', ' ')}</span>;
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const d = new Date(at);
  return (
    <time dateTime={at} title={d.toISOString()}>
      {d.toLocaleString()}
    </time>
  );
}
