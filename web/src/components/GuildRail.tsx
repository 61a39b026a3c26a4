/** The left rail: Home (direct messages), one button per guild, and "add a server" (create or join). */
import { Suspense, lazy, useState } from 'react';
import { navigate } from '../router.ts';
import { useStore } from '../store.ts';
import { useUnread } from '../unread.ts';
import { GuildIcon } from './Avatar.tsx';
import { MentionBadge, mentionLabel } from './MentionBadge.tsx';
import { Icon } from './Icon.tsx';

// Opened from the + button only: loaded then.
const AddGuildModal = lazy(() => import('./AddGuildModal.tsx').then((m) => ({ default: m.AddGuildModal })));

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
      {adding && (
        <Suspense fallback={null}>
          <AddGuildModal onClose={() => setAdding(false)} />
        </Suspense>
      )}
    </nav>
  );
}
