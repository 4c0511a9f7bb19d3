import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

/**
 * A modal confirmation with a required reason (the audit log records it). A native <dialog>:
 * focus moves into it, Escape cancels, and the page behind cannot be reached meanwhile.
 * `askReason: false` (default true) confirms without a reason, for routes that take none.
 */
export function ConfirmDialog({
  open,
  title,
  body,
  confirmLabel,
  danger,
  askReason = true,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  danger?: boolean;
  askReason?: boolean;
  onConfirm: (reason: string) => void | Promise<void>;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // One dialog per row on some pages: each needs its own title id for its accessible name.
  const titleId = useId();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setReason('');
      d.showModal();
    } else if (!open && d.open) d.close();
  }, [open]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await onConfirm(reason.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={onCancel} className="dialog">
      <form onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        <p>{body}</p>
        {askReason && (
          <label>
            Reason (recorded in the audit log)
            <textarea required value={reason} onChange={(e) => setReason(e.target.value)} rows={3} />
          </label>
        )}
        <div className="row end">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className={danger ? 'danger' : 'primary'}
            disabled={busy || (askReason && !reason.trim())}
          >
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
