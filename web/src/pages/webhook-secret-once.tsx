import { useState } from 'react';

/** A secret the server returns this once (create, rotate): shown with a copy hint, then dismissed. */
export function SecretOnce({
  source,
  secret,
  onDone,
}: {
  source: string;
  secret: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<boolean | null>(null);
  // The Clipboard API exists only in secure contexts (https, localhost); elsewhere copy by hand.
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="secret-once stack" role="status" aria-label={`New secret of ${source}`}>
      <p>
        New secret of <code>{source}</code>. It is shown only now: copy it into the sender. The previous
        secret stays valid for the grace period (or until retired).
      </p>
      <label>
        Secret
        <input
          readOnly
          value={secret}

          onFocus={(e) => e.target.select()}
        />
      </label>
      <div className="row">
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
        {copied === true && <span className="small">Copied.</span>}
        {copied === false && <span className="small">Select the field and copy it by hand (Ctrl+C).</span>}
      </div>
    </div>
  );
}
