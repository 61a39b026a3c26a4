/**
 * Discord's "Leaving Discord" confirmation, for masked links `[text](url)`: the text can say anything, so the
 * full destination is shown before the browser goes there. "Go Back" has focus first; "Visit Site" is a real
 * link (new tab, no opener, no referrer), so the dialog never navigates by script.
 */
import { Modal } from './Modal.tsx';

export function LeavingDialog({ url, onClose }: { url: string; onClose: () => void }) {
  return (
    <Modal title="Leaving Accord" onClose={onClose}>
      <p className="leaving-intro">This link is taking you to the following website</p>
      <p className="leaving-url" aria-label="Destination">
        {url}
      </p>
      <div className="modal-actions">
        <button type="button" className="button secondary" onClick={onClose}>
          Go Back
        </button>
        {/* Closed after the click has opened the tab: a link removed during its own click does not navigate. */}
        <a className="button" href={url} target="_blank" rel="noopener noreferrer" onClick={() => setTimeout(onClose)}>
          Visit Site
        </a>
      </div>
    </Modal>
  );
}
