/** The second column: a guild's channels grouped by category, or the direct-message list; the user panel. */
import { Suspense, lazy, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { arrowNavigate } from '../focus.ts';
import { markLeaving } from '../membership.ts';
import { ApiError, compareIds } from '../api.ts';
import { P, basePermissions, channelPermissions, has } from '../perms.ts';
import { navigate, parseRoute, usePath } from '../router.ts';
import { createGroupDm, errorText, leaveGuild, openDm, requestVoiceStatuses, setStatus } from '../session.ts';
import { InviteDialog } from './InviteDialog.tsx';
import { channelLabel, isUnread, useStore, type State } from '../store.ts';
import { isVoiceLike } from '../../../src/protocol/channel-types.ts';
import { ChannelType, type Channel, type Status } from '../types.ts';
import { Avatar, STATUS_LABEL } from './Avatar.tsx';
import { MentionBadge, mentionLabel } from './MentionBadge.tsx';
import { Confirm, Modal } from './Modal.tsx';
import { Icon } from './Icon.tsx';
import { useChannelReorder } from '../channelOrder.ts';
import { ChannelSettingsButton } from './ChannelSettingsButton.tsx';
import { unreadSilenced, useMuteClock } from '../mutes.ts';
import { canManageWebhooks } from '../guild-community.ts';
import { canUseEmojiManager } from '../guild-emoji.ts';
import { ChannelIcon } from './ChannelIcon.tsx';

// Settings screens and the server menu's dialogs load on first use: they are not needed for the first screen.
const UserSettings = lazy(() => import('./UserSettings.tsx').then((m) => ({ default: m.UserSettings })));
const GuildSettings = lazy(() => import('./GuildSettings.tsx').then((m) => ({ default: m.GuildSettings })));
const GuildNotificationSettings = lazy(() => import('./NotificationSettings.tsx').then((m) => ({ default: m.GuildNotificationSettings })));
const GuildEvents = lazy(() => import('./GuildEvents.tsx').then((m) => ({ default: m.GuildEvents })));
const ServerProfile = lazy(() => import('./ServerProfile.tsx').then((m) => ({ default: m.ServerProfile })));

/**
 * A popup menu: focus on its first item when it opens, Up/Down/Home/End between items, Escape closes it (focus
 * back on its button), Tab or a click outside closes it.
 */
function Menu({ label, onClose, children }: { label: string; onClose: (returnFocus?: boolean) => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onDoc = (e: MouseEvent) => {
      const el = e.target as Element;
      if (!ref.current?.contains(el) && !el.closest?.('[aria-haspopup="menu"][aria-expanded="true"]')) closeRef.current(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, []);
  return (
    <div
      ref={ref}
      className="guild-menu"
      role="menu"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === 'Tab') return closeRef.current(true);
        arrowNavigate(e, { items: '[role="menuitem"]', orientation: 'vertical', onEscape: () => closeRef.current(true) });
      }}
    >
      {children}
    </div>
  );
}

/** How the sidebar names a channel's kind to screen readers. */
const CHANNEL_KIND: Record<number, string> = { 2: 'voice channel', 5: 'announcement channel', 13: 'stage channel' };

const byPosition = (a: Channel, b: Channel) => (a.position ?? 0) - (b.position ?? 0) || compareIds(a.id, b.id);

/** Visible channels of a guild, grouped: uncategorised first, then each category in position order. */
export function useGuildChannels(guildId: string) {
  const channels = useStore((s) => s.channels);
  const guild = useStore((s) => s.guilds[guildId]);
  const me = useStore((s) => s.me);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  return useMemo(() => {
    if (!guild || !me) return { groups: [], visible: [] as Channel[] };
    // Threads (10, 11, 12) are opened from their channel's Threads panel, not listed here.
    const all = Object.values(channels).filter((c) => c.guild_id === guildId && !(c.type >= 10 && c.type <= 12));
    const canView = (c: Channel) => has(channelPermissions(guild, c, me.id, member), P.VIEW_CHANNEL);
    const categories = all.filter((c) => c.type === ChannelType.GUILD_CATEGORY).sort(byPosition);
    const leaves = all.filter((c) => c.type !== ChannelType.GUILD_CATEGORY && canView(c)).sort((a, b) => (isVoiceLike(a.type) ? 1 : 0) - (isVoiceLike(b.type) ? 1 : 0) || byPosition(a, b));
    const groups: Array<{ category: Channel | null; channels: Channel[] }> = [{ category: null, channels: leaves.filter((c) => !c.parent_id || !categories.some((k) => k.id === c.parent_id)) }];
    for (const cat of categories) {
      const inCat = leaves.filter((c) => c.parent_id === cat.id);
      if (inCat.length || canView(cat)) groups.push({ category: cat, channels: inCat });
    }
    const visible = groups.flatMap((g) => g.channels);
    return { groups, visible };
  }, [channels, guild, me, member, guildId]);
}

export function Sidebar({ guildId, channelId, onNavigate }: { guildId: string; channelId: string | null; onNavigate: () => void }) {
  return (
    <aside className="sidebar" aria-label={guildId === '@me' ? 'Direct messages' : 'Channels'}>
      {guildId === '@me' ? <DmList channelId={channelId} onNavigate={onNavigate} /> : <ChannelList guildId={guildId} channelId={channelId} onNavigate={onNavigate} />}
      <UserPanel />
    </aside>
  );
}

function ChannelList({ guildId, channelId, onNavigate }: { guildId: string; channelId: string | null; onNavigate: () => void }) {
  const guild = useStore((s) => s.guilds[guildId]);
  const me = useStore((s) => s.me);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  const readStates = useStore((s) => s.readStates);
  const mentionCounts = useStore((s) => s.mentionCounts);
  const stages = useStore((s) => s.stages);
  const voiceStatuses = useStore((s) => s.voiceStatuses);
  // The open server's voice channel statuses (op 43, once per session).
  useEffect(() => requestVoiceStatuses(guildId), [guildId]);
  const guildSettings = useStore((s) => s.guildSettings);
  const allChannels = useStore((s) => s.channels);
  // Server Settings holds the webhooks (Integrations) and the emoji and stickers too: their managers open it.
  const managesParts = useStore((s) => canManageWebhooks(s, guildId) || canUseEmojiManager(s, guildId));
  const muteNow = useMuteClock();
  const { groups, visible } = useGuildChannels(guildId);
  const reorder = useChannelReorder(guildId, groups);
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  const [menu, setMenu] = useState(false);
  const [dialog, setDialog] = useState<'invite' | 'settings' | 'leave' | 'notifications' | 'events' | 'profile' | null>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  // Closing a menu puts focus back on its button, before any dialog it opens takes it (and returns it there).
  const closeMenu = (returnFocus = true) => {
    if (returnFocus) menuButton.current?.focus();
    setMenu(false);
  };
  const pick = (d: 'invite' | 'settings' | 'leave' | 'notifications' | 'events' | 'profile') => {
    closeMenu();
    setDialog(d);
  };
  if (!guild) return <div className="sidebar-body" />;
  const perms = me ? basePermissions(guild, me.id, member) : 0n;
  const isOwner = guild.owner_id === me?.id;
  // BAN_MEMBERS too: Server Settings holds the ban list; VIEW_AUDIT_LOG: and the audit log.
  const canManage = isOwner || managesParts || has(perms, P.MANAGE_GUILD) || has(perms, P.MANAGE_ROLES) || has(perms, P.MANAGE_CHANNELS) || has(perms, P.BAN_MEMBERS) || has(perms, P.VIEW_AUDIT_LOG);
  const inviteChannel = visible.find((c) => c.id === channelId && c.type === 0) ?? visible.find((c) => c.type === 0);
  const stateForUnread = { readStates } as State;

  return (
    <>
      <header className="sidebar-header">
        <button
          ref={menuButton}
          type="button"
          className="guild-menu-button"
          aria-haspopup="menu"
          aria-expanded={menu}
          onClick={() => setMenu((m) => !m)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              setMenu(true);
            }
          }}
          aria-label={`${guild.name} server menu`}
        >
          <span className="ellipsis">{guild.name}</span>
          <Icon name={menu ? 'close' : 'down'} size={18} />
        </button>
        {menu && (
          <Menu label={`${guild.name} server menu`} onClose={closeMenu}>
            {inviteChannel && (
              <button type="button" role="menuitem" onClick={() => pick('invite')}>
                Invite People
              </button>
            )}
            {canManage && (
              <button type="button" role="menuitem" onClick={() => pick('settings')}>
                Server Settings
              </button>
            )}
            <button type="button" role="menuitem" onClick={() => pick('events')}>
              Events
            </button>
            {/* After Server Settings, as in Discord's menu. */}
            <button type="button" role="menuitem" onClick={() => pick('notifications')}>
              Notification Settings
            </button>
            <button type="button" role="menuitem" onClick={() => pick('profile')}>
              Edit Server Profile
            </button>
            {!isOwner && (
              <button type="button" role="menuitem" className="danger" onClick={() => pick('leave')}>
                Leave Server
              </button>
            )}
          </Menu>
        )}
      </header>
      <div className="sidebar-body">
        {groups.map(({ category, channels }) => (
          <section key={category?.id ?? 'none'} className="channel-group" aria-label={category ? `${category.name} category` : undefined} {...reorder.group(category)}>
            {category && (
              <button
                type="button"
                className="category"
                aria-expanded={!collapsed[category.id]}
                onClick={() => setCollapsed((c) => ({ ...c, [category.id]: !c[category.id] }))}
                {...reorder.category(category)}
              >
                <Icon name={collapsed[category.id] ? 'right' : 'down'} size={12} /> {category.name}
              </button>
            )}
            <ul>
              {channels
                .filter((c) => !category || !collapsed[category.id] || c.id === channelId)
                .map((c) => {
                  // Muted (the server, the channel or its category): greyed, no unread dot, mentions still shown.
                  const silenced = unreadSilenced({ guildSettings, channels: allChannels }, c, muteNow);
                  // A voice channel's text chat counts like any channel's.
                  const anyUnread = c.id !== channelId && isUnread(stateForUnread, c);
                  const unread = anyUnread && !silenced;
                  const mentions = anyUnread ? (mentionCounts[c.id] ?? 0) : 0;
                  return (
                    <li key={c.id}>
                      <a
                        href={`/channels/${guildId}/${c.id}`}
                        className={`channel-link${c.id === channelId ? ' active' : ''}${unread ? ' unread' : ''}${silenced ? ' muted-channel' : ''}`}
                        aria-current={c.id === channelId ? 'page' : undefined}
                        aria-label={`${CHANNEL_KIND[c.type] ?? 'channel'} ${c.name}${stages[c.id] ? ', live' : ''}${silenced ? ', muted' : ''}${unread ? ', unread' : ''}${mentionLabel(mentions)}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`/channels/${guildId}/${c.id}`);
                          onNavigate();
                        }}
                        {...reorder.item(c)}
                      >
                        <span className="channel-hash" aria-hidden="true">
                          <ChannelIcon type={c.type} />
                        </span>
                        <span className="ellipsis">{c.name}</span>
                        {stages[c.id] && <span className="channel-live" aria-hidden="true">LIVE</span>}
                        {mentions > 0 ? <MentionBadge count={mentions} /> : unread && <span className="unread-dot" aria-hidden="true" />}
                      </a>
                      {voiceStatuses[c.id] && <div className="channel-voice-status ellipsis small muted" data-testid={`voice-status-${c.id}`}>{voiceStatuses[c.id]}</div>}
                      <ChannelSettingsButton channel={c} />
                    </li>
                  );
                })}
            </ul>
          </section>
        ))}
        {reorder.status}
      </div>
      <Suspense fallback={null}>
        {dialog === 'notifications' && <GuildNotificationSettings guildId={guildId} onClose={() => setDialog(null)} />}
        {dialog === 'events' && <GuildEvents guildId={guildId} onClose={() => setDialog(null)} />}
        {dialog === 'profile' && <ServerProfile guildId={guildId} onClose={() => setDialog(null)} />}
      </Suspense>
      {dialog === 'invite' && inviteChannel && <InviteDialog channel={inviteChannel} guildName={guild.name} onClose={() => setDialog(null)} />}
      {dialog === 'settings' && (
        <Suspense fallback={null}>
          <GuildSettings guildId={guildId} onClose={() => setDialog(null)} />
        </Suspense>
      )}
      {dialog === 'leave' && (
        <Confirm
          title={`Leave '${guild.name}'`}
          body={<p>Are you sure you want to leave {guild.name}? You won't be able to rejoin unless you are re-invited.</p>}
          confirmLabel="Leave Server"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            markLeaving(guildId);
            await leaveGuild(guildId);
            navigate('/channels/@me');
          }}
        />
      )}
    </>
  );
}

function DmList({ channelId, onNavigate }: { channelId: string | null; onNavigate: () => void }) {
  const route = parseRoute(usePath());
  const onLobbies = route.name === 'channels' && route.lobbyId !== undefined;
  const ids = useStore((s) => s.privateChannelIds);
  const channels = useStore((s) => s.channels);
  const readStates = useStore((s) => s.readStates);
  const mentionCounts = useStore((s) => s.mentionCounts);
  const me = useStore((s) => s.me);
  const presences = useStore((s) => s.presences);
  const guildSettings = useStore((s) => s.guildSettings);
  const muteNow = useMuteClock();
  const state = { channels, readStates, me } as State;
  const [creating, setCreating] = useState(false);
  return (
    <>
      <header className="sidebar-header">
        <h2 className="ellipsis">Direct Messages</h2>
        <button type="button" className="icon-button" aria-label="Create a group DM" title="New group DM" onClick={() => setCreating(true)}>
          <Icon name="plus" />
        </button>
      </header>
      <div className="sidebar-body">
        <FriendsLink active={!channelId && !onLobbies} onNavigate={onNavigate} />
        <LobbiesLink active={onLobbies} onNavigate={onNavigate} />
        {ids.length === 0 && <p className="muted small pad">No conversations yet. Click someone in a server's member list to message them.</p>}
        <ul>
          {ids.map((id) => {
            const c = channels[id];
            if (!c) return null;
            const other = c.type === ChannelType.DM ? c.recipients?.find((u) => u.id !== me?.id) : undefined;
            const silenced = unreadSilenced({ guildSettings, channels }, c, muteNow);
            const anyUnread = id !== channelId && isUnread(state, c);
            const unread = anyUnread && !silenced;
            const mentions = anyUnread ? (mentionCounts[id] ?? 0) : 0;
            const label = channelLabel(state, c);
            return (
              <li key={id}>
                <a
                  href={`/channels/@me/${id}`}
                  className={`channel-link dm${id === channelId ? ' active' : ''}${unread ? ' unread' : ''}${silenced ? ' muted-channel' : ''}`}
                  aria-current={id === channelId ? 'page' : undefined}
                  aria-label={`${c.type === ChannelType.GROUP_DM ? 'group ' : ''}conversation with ${label}${silenced ? ', muted' : ''}${unread ? ', unread' : ''}${mentionLabel(mentions)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/channels/@me/${id}`);
                    onNavigate();
                  }}
                >
                  {other ? <Avatar user={other} size={32} status={presences[other.id] ?? 'offline'} /> : <span className="avatar group" aria-hidden="true"><Icon name="members" size={18} /></span>}
                  <span className="ellipsis">{label}</span>
                  {mentions > 0 ? <MentionBadge count={mentions} /> : unread && <span className="unread-dot" aria-hidden="true" />}
                </a>
              </li>
            );
          })}
        </ul>
      </div>
      {creating && <GroupDmDialog onClose={() => setCreating(false)} />}
    </>
  );
}

/** The Game Lobbies page (Lobbies.tsx): the game chats the user is in. */
function LobbiesLink({ active, onNavigate }: { active: boolean; onNavigate: () => void }) {
  return (
    <a
      href="/channels/@me/lobbies"
      className={`channel-link friends-link${active ? ' active' : ''}`}
      aria-current={active ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate('/channels/@me/lobbies');
        onNavigate();
      }}
    >
      <Icon name="members" />
      <span className="ellipsis">Game Lobbies</span>
    </a>
  );
}

/** The home screen's Friends page, with the number of incoming friend requests. */
function FriendsLink({ active, onNavigate }: { active: boolean; onNavigate: () => void }) {
  const incoming = useStore((s) => Object.values(s.relationships).filter((r) => r.type === 3).length);
  return (
    <a
      href="/channels/@me"
      className={`channel-link friends-link${active ? ' active' : ''}`}
      aria-current={active ? 'page' : undefined}
      aria-label={`Friends${incoming ? `, ${incoming} pending` : ''}`}
      onClick={(e) => {
        e.preventDefault();
        navigate('/channels/@me');
        onNavigate();
      }}
    >
      <Icon name="members" />
      <span className="ellipsis">Friends</span>
      {incoming > 0 && <MentionBadge count={incoming} />}
    </a>
  );
}

function GroupDmDialog({ onClose }: { onClose: () => void }) {
  const users = useStore((s) => s.users);
  const me = useStore((s) => s.me);
  const [picked, setPicked] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState('');
  const candidates = Object.values(users)
    .filter((u) => u.id !== me?.id && !u.bot && (u.username.includes(filter.toLowerCase()) || (u.global_name ?? '').toLowerCase().includes(filter.toLowerCase())))
    .slice(0, 50);
  return (
    <Modal title="Select friends" onClose={onClose}>
      <label>
        Find people you share a server with
        <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Type a username" />
      </label>
      <ul className="pick-list">
        {candidates.map((u) => (
          <li key={u.id}>
            <label className="check-row">
              <input type="checkbox" checked={picked.includes(u.id)} onChange={(e) => setPicked((p) => (e.target.checked ? [...p, u.id] : p.filter((x) => x !== u.id)))} />
              <Avatar user={u} size={24} /> {u.global_name || u.username} <span className="muted">{u.username}</span>
            </label>
          </li>
        ))}
      </ul>
      {error && <p className="form-error" role="alert">{error}</p>}
      <div className="modal-actions">
        <button
          type="button"
          className="button"
          disabled={!picked.length}
          onClick={async () => {
            try {
              // One person is a 1:1 DM (which sharing a server allows), two or more a group DM.
              const ch = picked.length === 1 ? await openDm(picked[0]!) : await createGroupDm(picked);
              onClose();
              navigate(`/channels/@me/${ch.id}`);
            } catch (err) {
              // 50007: someone picked is not our friend, which a group DM asks of everyone in it (as on Discord).
              const notYet = err instanceof ApiError && err.code === 50007;
              setError(notYet ? 'You can only add your friends to a group DM.' : errorText(err));
            }
          }}
        >
          {picked.length > 1 ? 'Create Group DM' : 'Create DM'}
        </button>
      </div>
    </Modal>
  );
}

function UserPanel() {
  const me = useStore((s) => s.me);
  const myStatus = useStore((s) => s.myStatus);
  const [settings, setSettings] = useState(false);
  if (!me) return null;
  return (
    <footer className="user-panel">
      <Avatar user={me} size={32} status={myStatus} />
      <div className="user-panel-name">
        <strong className="ellipsis" data-testid="my-name">{me.global_name || me.username}</strong>
        <label className="status-select">
          <span className="sr-only">Status</span>
          <select aria-label="Set status" value={myStatus} onChange={(e) => setStatus(e.target.value as Status)}>
            {(['online', 'idle', 'dnd', 'invisible'] as const).map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <button type="button" className="icon-button" aria-label="User settings" title="User settings" onClick={() => setSettings(true)}>
        <Icon name="gear" />
      </button>
      {settings && (
        <Suspense fallback={null}>
          <UserSettings onClose={() => setSettings(false)} />
        </Suspense>
      )}
    </footer>
  );
}
