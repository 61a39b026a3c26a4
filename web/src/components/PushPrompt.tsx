/**
 * The banner that offers desktop notifications (issue #16). Never on load: it appears once the user has sent a
 * message (push.ts offerPushPrompt), and stays until they enable notifications or dismiss it, which is
 * remembered for this browser. The browser's own permission prompt only opens from the click on Enable.
 */
import { useState } from 'react';
import { dismissPushPrompt, enablePush, usePushPromptShown } from '../push.ts';
import { errorText } from '../session.ts';
import './push.css';

export function PushPrompt() {
  const shown = usePushPromptShown();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!shown) return null;

  async function enable() {
    setBusy(true);
    setError(null);
    try {
      await enablePush();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="notice push-prompt" role="region" aria-label="Desktop notifications" data-testid="push-prompt">
      <span className="push-prompt-text">
        {error ? <span role="alert">{error}</span> : 'Enable desktop notifications to hear about new messages while Accord is in the background.'}
      </span>
      <span className="push-prompt-actions">
        <button type="button" className="button small" aria-disabled={busy} onClick={() => !busy && void enable()}>
          Enable
        </button>
        <button type="button" className="button small secondary" onClick={() => dismissPushPrompt()}>
          Not now
        </button>
      </span>
    </div>
  );
}
