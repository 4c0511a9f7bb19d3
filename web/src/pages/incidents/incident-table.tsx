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

/** What the select-all checkbox needs to know about the loaded rows (the table's `meta`). */
interface SelectAll {
  checked: boolean;
  toggle: () => void;
}
const ROW_HEIGHT = 40;

const columns = [
  col.display({
    id: 'select',
    // The table holds only the rows on screen (see IncidentTable): "all" means every loaded row.
    header: ({ table }) => {
      const all = table.options.meta as SelectAll;
      return (
        <input
          type="checkbox"
          aria-label="Select all loaded incidents"
          checked={all.checked}
          onChange={all.toggle}
        />
      );
    },
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
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtual.getVirtualItems();
  // TanStack Table gets only the rows on screen: its row model is rebuilt whenever its data changes,
  // and over every loaded row that was once per page fetched (5,000 rows after 50 pages) and again
  // after each live update, the main cost of scrolling far and most of its garbage.
  const visible = useMemo(() => items.map((v) => rows[v.index]!), [items, rows]);
  const allSelected = useMemo(() => rows.length > 0 && rows.every((r) => selection[r.id]), [rows, selection]);
  const meta: SelectAll = {
    checked: allSelected,
    toggle: () => onSelection(allSelected ? {} : Object.fromEntries(rows.map((r) => [r.id, true]))),
  };
  const table = useReactTable({
    data: visible,
    columns,
    getRowId: (r) => r.id,
    getCoreRowModel: getCoreRowModel(),
    state: { rowSelection: selection },
    onRowSelectionChange: (u) => onSelection(typeof u === 'function' ? u(selection) : u),
    manualSorting: true,
    manualFiltering: true,
    meta,
  });
  const tableRows = table.getRowModel().rows;
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 20) loadMore();
  }, [lastIndex, rows.length, hasMore, loadingMore, loadMore]);
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
      <table className="grid" aria-rowcount={rows.length}>
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
          {tableRows.map((row) => (
            <DataRow key={row.id} row={row} incident={row.original} selected={row.getIsSelected()} />
          ))}
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
