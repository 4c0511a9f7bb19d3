import { useState } from 'react';
import {
  putOf,
  useConnectorKinds,
  useConnectors,
  useDeleteConnector,
  usePutConnector,
  useTestConnector,
} from '../api/connectors.ts';
import type { ConnectorView } from '../api/types.ts';
import { Badge, When } from '../components/badge.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { SimpleTable } from '../components/simple-table.tsx';
import { ErrorState, QueryView } from '../components/states.tsx';
import { ConnectorForm } from './connector-form.tsx';
import { TestResult } from './connector-test-result.tsx';

/** Configured action connectors: create, edit, enable/disable, delete, test. Credentials are write-only. */
export function ConnectorsPage() {
  const q = useConnectors();
  const kinds = useConnectorKinds();
  const test = useTestConnector();
  const put = usePutConnector();
  const del = useDeleteConnector();
  // null: no form; '': a new connector; a name: editing that one.
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ConnectorView | null>(null);
  const edited = q.data?.find((c) => c.name === editing);
  return (
    <>
      <h1>Connectors</h1>
      {editing === null && (
        <button type="button" className="primary" disabled={!kinds.data} onClick={() => setEditing('')}>
          New connector…
        </button>
      )}
      {kinds.isError && <ErrorState error={kinds.error} feature="Connector kinds" />}
      {editing !== null && kinds.data && (
        <ConnectorForm
          key={editing}
          kinds={kinds.data}
          {...(edited ? { existing: edited } : {})}
          onDone={() => setEditing(null)}
        />
      )}
      <TestResult test={test} />
      {put.isError && <ErrorState error={put.error} feature="Connector management" />}
      {del.isError && <ErrorState error={del.error} feature="Connector management" />}
      <QueryView
        query={q}
        feature="Connectors"
        empty="No connector is configured."
        isEmpty={(d) => d.length === 0}
      >
        {(d) => (
          <SimpleTable
            label="Connectors"
            rows={d}
            rowKey={(c) => c.name}
            columns={[
              { header: 'Name', cell: (c) => <code>{c.name}</code> },
              { header: 'Kind', cell: (c) => c.kind },
              {
                header: 'Enabled',
                cell: (c) => (c.enabled ? 'yes' : 'no') + (c.dry_run ? ' (dry run)' : ''),
              },
              { header: 'Actions', cell: (c) => c.action_types.join(', ') },
              {
                header: 'Credentials',
                cell: (c) =>
                  c.secrets_set.length ? (
                    c.secrets_set.map((s) => (
                      <span key={s} className="chip">
                        {s}: set
                      </span>
                    ))
                  ) : (
                    <Badge kind="plain" value={null} />
                  ),
              },
              { header: 'Updated', cell: (c) => <When at={c.updated_at} /> },
              {
                header: 'Manage',
                cell: (c) => (
                  <div className="row">
                    <button type="button" onClick={() => test.mutate(c.name)} aria-label={`Test ${c.name}`}>
                      Test
                    </button>
                    <button type="button" onClick={() => setEditing(c.name)} aria-label={`Edit ${c.name}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      disabled={put.isPending}
                      aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}
                      onClick={() => put.mutate({ name: c.name, body: { ...putOf(c), enabled: !c.enabled } })}
                    >
                      {c.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => setDeleting(c)}
                      aria-label={`Delete ${c.name}`}
                    >
                      Delete…
                    </button>
                  </div>
                ),
              },
            ]}
          />
        )}
      </QueryView>
      <ConfirmDialog
        open={deleting !== null}
        askReason={false}
        danger
        title={`Delete the connector ${deleting?.name ?? ''}?`}
        body="Its stored credentials are deleted with it; actions of its types then have no connector."
        confirmLabel="Delete"
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          if (deleting) await del.mutateAsync(deleting.name).catch(() => undefined);
          setDeleting(null);
        }}
      />
    </>
  );
}
