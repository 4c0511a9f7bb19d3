import type { BulkResult } from '../../api/types.ts';
import { Link } from '../../router.tsx';

/** A bulk answer item by item (it is never all-or-nothing): what failed and why. */
export function BulkResults({ result, onClose }: { result: BulkResult; onClose: () => void }) {
  const failed = result.results.filter((r) => !r.ok);
  return (
    <div className="state" role="status" aria-label="Bulk result">
      <p>
        {result.op}: {result.succeeded} done, {result.failed} failed{' '}
        <button type="button" className="link" onClick={onClose}>
          Hide
        </button>
      </p>
      {failed.length > 0 && (
        <ul className="errors">
          {failed.map((r) => (
            <li key={r.id}>
              <Link to={`/incidents/${r.id}`}>{r.id.slice(0, 8)}</Link>: {r.message ?? 'failed'} (
              {r.code ?? 'ERROR'})
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
