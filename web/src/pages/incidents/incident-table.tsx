import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
  type Row,
  type RowSelectionState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { Incident } from '../../api/types.ts';
import { Badge, When } from '../../components/badge.tsx';
import { Link, navigate } from '../../router.tsx';

const col = createColumnHelper<Incident>();
const ROW_HEIGHT = 40;

const columns = [
  col.display({
    id: 'select',
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all loaded incidents"
        checked={table.getIsAllRowsSelected()}
        onChange={table.getToggleAllRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) => (
      <input
        type="checkbox"
        aria-label={`Select ${row.original.title}`}
        checked={row.getIsSelected()}
        onChange={row.getToggleSelectedHandler()}
      />
    ),
  }),
  col.accessor('severity', {
    header: 'Severity',
    cell: (c) => <Badge kind="severity" value={c.getValue()} />,
  }),
  col.accessor('title', {
    header: 'Title',
    cell: (c) => <Link to={`/incidents/${c.row.original.id}`}>{c.getValue()}</Link>,
  }),
  col.accessor('status', { header: 'Status', cell: (c) => <Badge kind="status" value={c.getValue()} /> }),
  col.accessor('classification', {
    header: 'Verdict',
    cell: (c) => <Badge kind="verdict" value={c.getValue()} />,
  }),
  col.accessor('source', { header: 'Source' }),
  col.accessor((r) => r.assignee ?? null, {
    id: 'assignee',
    header: 'Assignee',
    cell: (c) => c.getValue() ?? '—',
  }),
  col.accessor('created_at', { header: 'Created', cell: (c) => <When at={c.getValue()} /> }),
];

/**
 * Space for the rows not rendered. Set through the CSSOM (not a style attribute), which a
 * `style-src 'self'` Content-Security-Policy allows.
 */
function Pad({ height, span }: { height: number; span: number }) {
  if (height <= 0) return null;
  return (
    <tr aria-hidden="true" className="pad">
      <td colSpan={span} ref={(td) => void td?.style.setProperty('height', `${height}px`)} />
    </tr>
  );
}

const onKey = (e: KeyboardEvent<HTMLTableRowElement>, id: string) => {
  if (e.key === 'Enter' && e.target === e.currentTarget) navigate(`/incidents/${id}`);
};

/**
 * One incident's row. Memoised on the incident and its selection: the virtualiser re-renders the
 * table on every scroll event (synchronously), and without this each of the ~40 rows on screen was
 * rendered again each time (every cell, every date formatted) though only the rows entering the
 * view changed. A new page or a live update replaces the incident objects it concerns, so those rows
 * still render again.
 */
const DataRow = memo(
  function DataRow({ row }: { row: Row<Incident>; incident: Incident; selected: boolean }) {
    return (
      <tr
        data-id={row.id}
        tabIndex={0}
        onKeyDown={(e) => onKey(e, row.id)}
        aria-selected={row.getIsSelected()}
        className="data-row"
      >
        {row.getVisibleCells().map((c) => (
          <td key={c.id} className={`c-${c.column.id}`}>
            {flexRender(c.column.columnDef.cell, c.getContext())}
          </td>
        ))}
      </tr>
    );
  },
  (a, b) => a.incident === b.incident && a.selected === b.selected,
);

/**
 * The incidents as one virtual list: only the rows on screen are in the DOM, and the next cursor
 * page is fetched as the end comes into view, so 100,000 incidents scroll like 100.
 */
export function IncidentTable({
  rows,
  selection,
  onSelection,
  hasMore,
  loadMore,
  loadingMore,
}: {
  rows: Incident[];
  selection: RowSelectionState;
  onSelection: (s: RowSelectionState) => void;
  hasMore: boolean;
  loadMore: () => void;
  loadingMore: boolean;
}) {
  const table = useReactTable({
    data: rows,
    columns,
    getRowId: (r) => r.id,
    getCoreRowModel: getCoreRowModel(),
    state: { rowSelection: selection },
    onRowSelectionChange: (u) => onSelection(typeof u === 'function' ? u(selection) : u),
    manualSorting: true,
    manualFiltering: true,
  });
  const scroller = useRef<HTMLDivElement>(null);
  const tableRows = table.getRowModel().rows;
  const virtual = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtual.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= tableRows.length - 20) loadMore();
  }, [lastIndex, tableRows.length, hasMore, loadingMore, loadMore]);
  const padTop = items[0]?.start ?? 0;
  const padBottom = useMemo(
    () => (items.length ? virtual.getTotalSize() - (items.at(-1)?.end ?? 0) : 0),
    [items, virtual],
  );
  return (
    <div
      ref={scroller}
      className="scroller"
      tabIndex={0}
      aria-label="Incidents (scroll for more)"
      role="region"
    >
      <table className="grid" aria-rowcount={tableRows.length}>
        <thead>
          {table.getHeaderGroups().map((g) => (
            <tr key={g.id}>
              {g.headers.map((h) => (
                <th key={h.id} scope="col" className={`c-${h.column.id}`}>
                  {flexRender(h.column.columnDef.header, h.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          <Pad height={padTop} span={columns.length} />
          {items.map((v) => {
            const row = tableRows[v.index]!;
            return (
              <DataRow key={row.id} row={row} incident={row.original} selected={row.getIsSelected()} />
            );
          })}
          <Pad height={padBottom} span={columns.length} />
        </tbody>
      </table>
      {loadingMore && (
        <p className="state" role="status">
          Loading more…
        </p>
      )}
    </div>
  );
}
