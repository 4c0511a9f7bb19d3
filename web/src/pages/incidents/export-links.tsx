import { withQuery } from '../../api/client.ts';

/** List parameters the export does not take (it is always newest first, unpaged). */
const NOT_EXPORTED = new Set(['sort', 'order']);

/**
 * Downloads of every incident matching the current filters (GET /incidents/export): plain links, so
 * the browser streams the file with the session cookie (a GET needs no CSRF token).
 */
export function ExportLinks({ params }: { params: Record<string, string> }) {
  const filters = Object.fromEntries(Object.entries(params).filter(([k]) => !NOT_EXPORTED.has(k)));
  const href = (format: 'csv' | 'jsonl') => withQuery('/api/v1/incidents/export', { format, ...filters });
  return (
    <p className="row small" role="group" aria-label="Export">
      <span className="muted">Export this filter:</span>
      <a href={href('csv')} download="incidents.csv">
        CSV
      </a>
      <a href={href('jsonl')} download="incidents.jsonl">
        JSON lines
      </a>
    </p>
  );
}
