/**
 * "Add a server": create one (a name and an optional icon), join one with an invite link or code, or start from a
 * server template's link or code (its page, GuildTemplate.tsx).
 */
import { useState, type FormEvent } from 'react';
import { expectGuild } from '../membership.ts';
import { navigate } from '../router.ts';
import { templateCodeOf } from '../guild-templates.ts';
import { createGuild, errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { GuildIcon } from './Avatar.tsx';
import { ImagePickButton } from './ImagePickButton.tsx';
import { Modal } from './Modal.tsx';

export function AddGuildModal({ onClose }: { onClose: () => void }) {
  const me = useStore((s) => s.me);
  const [name, setName] = useState(me ? `${me.global_name || me.username}'s server` : 'My server');
  const [invite, setInvite] = useState('');
  const [template, setTemplate] = useState('');
  /** An icon picked for the new server (a data URI), sent with POST /guilds. */
  const [icon, setIcon] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const g = await createGuild(name.trim(), icon);
      expectGuild(g.id);
      onClose();
      navigate(`/channels/${g.id}`);
    } catch (err) {
      setError(errorText(err, 'name'));
    } finally {
      setBusy(false);
    }
  }

  function join(e: FormEvent) {
    e.preventDefault();
    const code = invite.trim().replace(/^.*\/invite\//, '').replace(/[/?#].*$/, '');
    if (!code) return;
    onClose();
    navigate(`/invite/${encodeURIComponent(code)}`);
  }

  function openTemplate(e: FormEvent) {
    e.preventDefault();
    const code = templateCodeOf(template);
    if (!code) return;
    onClose();
    navigate(`/template/${encodeURIComponent(code)}`);
  }

  return (
    <Modal title="Add a server" onClose={onClose}>
      <form onSubmit={create} className="stack">
        <label>
          Server name
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
        </label>
        <div className="avatar-editor">
          <GuildIcon guild={{ id: 'new', name: name || '?', icon: null }} size={64} preview={icon} />
          <div className="avatar-editor-actions">
            <ImagePickButton label={icon ? 'Change Icon' : 'Upload Icon'} className="button small secondary" onPick={(uri) => (setIcon(uri), setError(''))} onError={setError} />
            {icon && (
              <button type="button" className="link-button small" onClick={() => setIcon(null)}>
                Remove Icon
              </button>
            )}
          </div>
        </div>
        {error && <p className="form-error" role="alert">{error}</p>}
        <button className="button" type="submit" disabled={busy || name.trim().length < 2}>
          Create server
        </button>
      </form>
      <hr />
      <form onSubmit={join} className="stack">
        <label>
          Invite link or code
          <input value={invite} onChange={(e) => setInvite(e.target.value)} placeholder="https://…/invite/abc123" />
        </label>
        <button className="button secondary" type="submit" disabled={!invite.trim()}>
          Join server
        </button>
      </form>
      <hr />
      <form onSubmit={openTemplate} className="stack">
        <label>
          Template link or code
          <input value={template} onChange={(e) => setTemplate(e.target.value)} placeholder="https://…/template/abc123" />
        </label>
        <button className="button secondary" type="submit" disabled={!template.trim()}>
          Use template
        </button>
      </form>
    </Modal>
  );
}
