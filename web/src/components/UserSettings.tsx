/** The current user's settings: username, display name, log out. */
import { useState, type FormEvent } from 'react';
import { errorText, logout, updateProfile } from '../session.ts';
import { useStore } from '../store.ts';
import { Modal } from './Modal.tsx';

export function UserSettings({ onClose }: { onClose: () => void }) {
  const me = useStore((s) => s.me)!;
  const [username, setUsername] = useState(me.username);
  const [globalName, setGlobalName] = useState(me.global_name ?? '');
  const [status, setStatus] = useState<{ ok?: string; error?: string }>({});

  async function save(e: FormEvent) {
    e.preventDefault();
    setStatus({});
    try {
      const body: { username?: string; global_name?: string | null } = {};
      if (username.trim() !== me.username) body.username = username.trim();
      if ((globalName.trim() || null) !== (me.global_name ?? null)) body.global_name = globalName.trim() || null;
      if (Object.keys(body).length) await updateProfile(body);
      setStatus({ ok: 'Saved.' });
    } catch (err) {
      setStatus({ error: errorText(err, 'username') });
    }
  }

  return (
    <Modal title="My Account" onClose={onClose}>
      <form className="stack" onSubmit={save}>
        <label>
          Username
          <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} minLength={2} maxLength={32} required />
        </label>
        <label>
          Display name
          <input name="global_name" value={globalName} onChange={(e) => setGlobalName(e.target.value)} maxLength={32} placeholder={me.username} />
        </label>
        {status.error && <p className="form-error" role="alert">{status.error}</p>}
        {status.ok && <p className="form-ok" role="status">{status.ok}</p>}
        <div className="modal-actions">
          <button type="button" className="button danger" onClick={() => void logout()}>
            Log Out
          </button>
          <button type="submit" className="button">
            Save Changes
          </button>
        </div>
      </form>
    </Modal>
  );
}
