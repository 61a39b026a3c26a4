/** A read-only value (an id, a key, a token) with a Copy button; the field selects itself on focus for copying by hand. */
import { useEffect, useId, useState } from 'react';

export function CopyField({ label, value, name, secret }: { label: string; value: string; name?: string; secret?: boolean }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  // A new value (a token reset again) has not been copied yet.
  useEffect(() => setCopied(false), [value]);
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input
          id={id}
          name={name}
          readOnly
          value={value}
          spellCheck={false}
          autoComplete="off"
          className={secret ? 'mono secret' : 'mono'}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          className="button small"
          aria-label={`Copy ${label}`}
          onClick={async () => {
            // Clipboard access needs a secure context; without it the field is still there to copy by hand.
            await navigator.clipboard?.writeText(value).catch(() => {});
            setCopied(true);
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
