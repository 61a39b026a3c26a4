/** The left rail: Home (direct messages), one button per guild, and "add a server" (create or join). */
import { useState, type FormEvent } from 'react';
import { navigate } from '../router.ts';
import { createGuild, errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { useUnread } from '../unread.ts';
import { expectGuild } from '../membership.ts';
import { GuildIcon } from './Avatar.tsx';
import { MentionBadge, mentionLabel } from './MentionBadge.tsx';
import { Modal } from './Modal.tsx';
import { Icon } from './Icon.tsx';

export function GuildRail({ activeGuildId }: { activeGuildId: string }) {
  const guildIds = useStore((s) => s.guildIds);
  const guilds = useStore((s) => s.guilds);
  const [adding, setAdding] = useState(false);

  const { guilds: unread, guildMentions } = useUnread();

  return (
    <nav className="guild-rail" aria-label="Servers">
      <ul>
        <li className={activeGuildId === '@me' ? 'active' : ''}>
          <button type="button" className="rail-button home" aria-label={`Direct Messages${mentionLabel(guildMentions.get('@me'))}`} aria-current={activeGuildId === '@me' ? 'page' : undefined} onClick={() => navigate('/channels/@me')}>
            <Icon name="chat" size={24} />
            {unread.has('@me') && <span className="rail-unread" aria-hidden="true" />}
            <MentionBadge count={guildMentions.get('@me') ?? 0} />
          </button>
        </li>
        <li className="rail-separator" aria-hidden="true" />
        {guildIds.map((id) => {
          const g = guilds[id];
          if (!g) return null;
          const label = g.unavailable ? 'Unavailable server' : g.name;
          return (
            <li key={id} className={activeGuildId === id ? 'active' : ''}>
              <button
                type="button"
                className="rail-button"
                aria-label={`${label}${unread.has(id) ? ', unread messages' : ''}${mentionLabel(guildMentions.get(id))}`}
                title={label}
                aria-current={activeGuildId === id ? 'page' : undefined}
                disabled={g.unavailable}
                onClick={() => navigate(`/channels/${id}`)}
              >
                <GuildIcon guild={g} />
                {unread.has(id) && <span className="rail-unread" aria-hidden="true" />}
                <MentionBadge count={guildMentions.get(id) ?? 0} />
              </button>
            </li>
          );
        })}
        <li>
          <button type="button" className="rail-button add" aria-label="Add a server" title="Add a server" onClick={() => setAdding(true)}>
            <Icon name="plus" size={24} />
          </button>
        </li>
      </ul>
      {adding && <AddGuildModal onClose={() => setAdding(false)} />}
    </nav>
  );
}

function AddGuildModal({ onClose }: { onClose: () => void }) {
  const me = useStore((s) => s.me);
  const [name, setName] = useState(me ? `${me.global_name || me.username}'s server` : 'My server');
  const [invite, setInvite] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const g = await createGuild(name.trim());
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

  return (
    <Modal title="Add a server" onClose={onClose}>
      <form onSubmit={create} className="stack">
        <label>
          Server name
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
        </label>
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
    </Modal>
  );
}
