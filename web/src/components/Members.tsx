/** The member list (hoisted roles, then online, then offline) with presence dots, and the user popout. */
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { refocus, trailOf } from '../focus.ts';
import { LARGE_THRESHOLD } from '../gateway.ts';
import { navigate } from '../router.ts';
import { errorText, openDm, setMemberSubscription } from '../session.ts';
import { displayName, useStore } from '../store.ts';
import type { Status } from '../types.ts';
import { ui, useUi } from '../ui.ts';
import { Avatar, STATUS_LABEL } from './Avatar.tsx';
import { Icon } from './Icon.tsx';
import { ModerationButtons, TimeoutBadge, openMemberMenu } from './MemberActions.tsx';
import { timedOutUntil } from '../moderation.ts';
import { ApiError } from '../api.ts';
import { RelationshipType, acceptFriendRequest, blockUser, fetchNote, friendErrorText, removeRelationship, saveNote, sendFriendRequest, useRelationshipType } from '../relationships.ts';
import { fetchProfile, shownProfile } from '../profiles.ts';
import { nameStyle, swatch } from '../role-style.ts';

const SUBSCRIBE_DEBOUNCE_MS = 200;

/**
 * In a guild above LARGE_THRESHOLD the server sends this session only the presences of members it subscribed to:
 * subscribe to the rows on screen and to the member whose profile is open, the dots the user can see. Returns
 * the ref each row takes (the row's data-user-id names the member).
 */
function useMemberSubscription(guildId: string, large: boolean, open: boolean) {
  const popoutUser = useUi((u) => (u.popout?.guildId === guildId ? u.popout.userId : null));
  const [observer, setObserver] = useState<IntersectionObserver | null>(null);
  const visible = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef({ guildId, large, popoutUser });

  // Debounced: a scroll moves many rows in and out, and the server needs only where it settles.
  const schedule = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const { guildId, large, popoutUser } = latest.current;
      setMemberSubscription(guildId, large ? [...(popoutUser ? [popoutUser] : []), ...visible.current] : []);
    }, SUBSCRIBE_DEBOUNCE_MS);
  }, []);

  useEffect(() => {
    if (!large || !open) return;
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const id = (e.target as HTMLElement).dataset.userId!;
        if (e.isIntersecting) visible.current.add(id);
        else visible.current.delete(id);
      }
      schedule();
    });
    setObserver(io);
    return () => {
      io.disconnect();
      visible.current.clear();
      setObserver(null);
    };
  }, [guildId, large, open, schedule]);

  useEffect(() => {
    latest.current = { guildId, large, popoutUser };
    schedule();
  }, [guildId, large, open, popoutUser, schedule]);

  // Leaving the guild's view ends its subscription at once.
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      setMemberSubscription(guildId, []);
    },
    [guildId],
  );

  return useCallback(
    (el: HTMLElement | null) => {
      if (!el || !observer) return;
      observer.observe(el);
      return () => {
        observer.unobserve(el);
        visible.current.delete(el.dataset.userId!);
      };
    },
    [observer],
  );
}

interface Row {
  id: string;
  name: string;
  status: Status;
  /** The name in the member's top colored role's colors. */
  style?: CSSProperties;
}

export function MemberList({ guildId }: { guildId: string }) {
  const open = useUi((u) => u.membersOpen);
  const members = useStore((s) => s.members[guildId]);
  const guild = useStore((s) => s.guilds[guildId]);
  const presences = useStore((s) => s.presences);
  const users = useStore((s) => s.users);
  const me = useStore((s) => s.me);
  const myStatus = useStore((s) => s.myStatus);

  const groups = useMemo(() => {
    if (!guild || !members) return [];
    const hoisted = Object.values(guild.roles).filter((r) => r.hoist && r.id !== guild.id).sort((a, b) => b.position - a.position);
    const byGroup = new Map<string, Row[]>();
    for (const [uid, m] of Object.entries(members)) {
      let status: Status = uid === me?.id ? myStatus : (presences[uid] ?? 'offline');
      if (status === 'invisible') status = 'offline';
      const roles = m.roles.map((r) => guild.roles[r]).filter(Boolean).sort((a, b) => b.position - a.position);
      const row: Row = {
        id: uid,
        name: m.nick || users[uid]?.global_name || users[uid]?.username || m.user?.username || 'Unknown',
        status,
        style: nameStyle(roles.find((r) => r.color)),
      };
      const key = status === 'offline' ? 'offline' : (roles.find((r) => r.hoist)?.id ?? 'online');
      if (!byGroup.has(key)) byGroup.set(key, []);
      byGroup.get(key)!.push(row);
    }
    const order = [...hoisted.map((r) => ({ key: r.id, label: r.name })), { key: 'online', label: 'Online' }, { key: 'offline', label: 'Offline' }];
    return order
      .filter((g) => byGroup.get(g.key)?.length)
      .map((g) => ({ ...g, rows: byGroup.get(g.key)!.sort((a, b) => a.name.localeCompare(b.name)) }));
  }, [guild, members, presences, users, me, myStatus]);
  const observeRow = useMemberSubscription(guildId, (guild?.member_count ?? 0) > LARGE_THRESHOLD, open);

  if (!open) return null;
  return (
    <aside className="member-list" aria-label="Members">
      <button type="button" className="icon-button overlay-close" aria-label="Close member list" onClick={() => ui.toggleMembers()}>
        <Icon name="close" size={16} />
      </button>
      {groups.map((g) => (
        <section key={g.key} aria-label={`${g.label}, ${g.rows.length}`}>
          <h3 className="member-group">
            {g.label} — {g.rows.length}
          </h3>
          <ul>
            {g.rows.map((r) => (
              <li key={r.id}>
                <button
                  ref={observeRow}
                  type="button"
                  className={`member${r.status === 'offline' ? ' offline' : ''}`}
                  data-user-id={r.id}
                  data-status={r.status}
                  aria-label={`${r.name}, ${STATUS_LABEL[r.status]}${timedOutUntil(members?.[r.id]) ? ', timed out' : ''}`}
                  onClick={(e) => ui.openUser(r.id, guildId, e.currentTarget)}
                  onContextMenu={(e) => openMemberMenu(e, guildId, r.id)}
                >
                  <Avatar user={users[r.id] ?? members?.[r.id]?.user ?? { id: r.id, username: r.name }} size={32} status={r.status} guildId={guildId} />
                  <span className="ellipsis" style={r.style}>
                    {r.name}
                  </span>
                  <TimeoutBadge guildId={guildId} userId={r.id} />
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}

/** A group DM's members (the recipients and me), the owner marked; the same rows and popout as a guild's list. */
export function RecipientList({ channelId }: { channelId: string }) {
  const open = useUi((u) => u.membersOpen);
  const channel = useStore((s) => s.channels[channelId]);
  const presences = useStore((s) => s.presences);
  const me = useStore((s) => s.me);
  const myStatus = useStore((s) => s.myStatus);
  if (!open || !channel) return null;
  const people = [...(me ? [me] : []), ...(channel.recipients ?? []).filter((u) => u.id !== me?.id)];
  const rows = people
    .map((u) => {
      let status: Status = u.id === me?.id ? myStatus : (presences[u.id] ?? 'offline');
      if (status === 'invisible') status = 'offline';
      return { user: u, name: u.global_name || u.username, status, owner: u.id === channel.owner_id };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <aside className="member-list" aria-label="Members">
      <button type="button" className="icon-button overlay-close" aria-label="Close member list" onClick={() => ui.toggleMembers()}>
        <Icon name="close" size={16} />
      </button>
      <section aria-label={`Members, ${rows.length}`}>
        <h3 className="member-group">Members — {rows.length}</h3>
        <ul>
          {rows.map((r) => (
            <li key={r.user.id}>
              <button
                type="button"
                className={`member${r.status === 'offline' ? ' offline' : ''}`}
                data-user-id={r.user.id}
                data-status={r.status}
                aria-label={`${r.name}${r.owner ? ', group owner' : ''}, ${STATUS_LABEL[r.status]}`}
                onClick={(e) => ui.openUser(r.user.id, null, e.currentTarget)}
              >
                <Avatar user={r.user} size={32} status={r.status} />
                <span className="ellipsis">{r.name}</span>
                {r.owner && <span className="muted small" title="Group owner">owner</span>}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </aside>
  );
}

/** Add Friend / Accept / Cancel request / Remove Friend, and Block / Unblock, for someone's profile. */
function RelationshipButtons({ userId, bot, onError }: { userId: string; bot: boolean; onError: (text: string) => void }) {
  const type = useRelationshipType(userId);
  const act = (fn: () => Promise<unknown>) => async () => {
    onError('');
    try {
      await fn();
    } catch (err) {
      onError(err instanceof ApiError ? friendErrorText(err.code, errorText(err)) : errorText(err));
    }
  };
  return (
    <div className="popout-actions">
      {!bot && type === 0 && <button type="button" className="button small secondary" onClick={act(() => sendFriendRequest(userId))}>Add Friend</button>}
      {type === RelationshipType.INCOMING && <button type="button" className="button small" onClick={act(() => acceptFriendRequest(userId))}>Accept Friend Request</button>}
      {type === RelationshipType.OUTGOING && <button type="button" className="button small secondary" onClick={act(() => removeRelationship(userId))}>Cancel Friend Request</button>}
      {type === RelationshipType.FRIEND && <button type="button" className="button small secondary" onClick={act(() => removeRelationship(userId))}>Remove Friend</button>}
      {type === RelationshipType.BLOCKED ? (
        <button type="button" className="button small secondary" onClick={act(() => removeRelationship(userId))}>Unblock</button>
      ) : (
        <button type="button" className="button small danger" onClick={act(() => blockUser(userId))}>Block</button>
      )}
    </div>
  );
}

export function UserPopout() {
  const popout = useUi((u) => u.popout);
  const user = useStore((s) => (popout ? s.users[popout.userId] : undefined));
  const member = useStore((s) => (popout?.guildId ? s.members[popout.guildId]?.[popout.userId] : undefined));
  const guild = useStore((s) => (popout?.guildId ? s.guilds[popout.guildId] : undefined));
  const status = useStore((s) => (popout ? (popout.userId === s.me?.id ? s.myStatus : s.presences[popout.userId]) : undefined));
  const me = useStore((s) => s.me);
  const name = useStore((s) => (popout ? displayName(s, popout.userId, popout.guildId) : ''));
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState('');
  // The banner and About Me come from the profile (not in the member list); a card that may not be read has none.
  const [profile, setProfile] = useState<{ key: string; bannerUrl: string | null; bio: string } | null>(null);
  const profileKey = popout ? `${popout.userId}:${popout.guildId ?? ''}` : '';
  const memberBanner = member?.banner;

  useEffect(() => {
    if (!popout) return;
    let live = true;
    fetchProfile(popout.userId, popout.guildId).then(
      (p) => live && setProfile({ key: profileKey, ...shownProfile(p, popout.userId, 300) }),
      () => live && setProfile(null),
    );
    return () => {
      live = false;
    };
    // A new member banner (GUILD_MEMBER_UPDATE) reads the profile again.
  }, [profileKey, memberBanner]);

  useEffect(() => {
    if (!popout) return;
    setError('');
    // Closed with Escape (or by a click on nothing focusable): focus back where the popout was opened from.
    const openerTrail = trailOf(document.activeElement);
    const giveBack = () => {
      const now = document.activeElement;
      if (!now || now === document.body || !now.isConnected) refocus(openerTrail);
    };
    ref.current?.focus();
    const onDoc = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && ui.closeUser();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && ui.closeUser();
    const t = setTimeout(() => document.addEventListener('mousedown', onDoc));
    document.addEventListener('keydown', onKey);
    return () => {
      clearTimeout(t);
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
      giveBack();
    };
  }, [popout]);

  if (!popout) return null;
  const width = 300;
  const left = Math.max(8, Math.min(popout.x, window.innerWidth - width - 8));
  const top = Math.max(8, Math.min(popout.y, window.innerHeight - 320));
  const roles = (member?.roles ?? []).map((r) => guild?.roles[r]).filter(Boolean);
  const s = status === 'invisible' || !status ? 'offline' : status;
  const shown = profile?.key === profileKey ? profile : null;
  return (
    // Never past the bottom of the window: a long card (banner, About Me, note) scrolls inside itself.
    <div className="popout" role="dialog" aria-label={`Profile of ${name}`} ref={ref} tabIndex={-1} style={{ left, top, width, maxHeight: `calc(100dvh - ${top + 8}px)` }}>
      {shown?.bannerUrl ? (
        <img className="popout-banner popout-banner-image" src={shown.bannerUrl} alt="" data-testid="profile-banner" />
      ) : (
        <div className="popout-banner" />
      )}
      <div className="popout-body">
        <Avatar user={user ?? member?.user ?? { id: popout.userId, username: name }} size={64} status={s} guildId={popout.guildId} />
        <h2>{name}</h2>
        {/* Bots kept Discord's four-digit tags; people's usernames are unique on their own. */}
        <p className="muted" data-testid="profile-username">{user?.username}{user?.bot && user.discriminator && user.discriminator !== '0' ? `#${user.discriminator}` : ''}</p>
        <p className="small">{STATUS_LABEL[s]}</p>
        {shown?.bio && (
          <>
            <h3 className="small-heading">About Me</h3>
            <p className="profile-bio" data-testid="profile-bio">{shown.bio}</p>
          </>
        )}
        {roles.length > 0 && (
          <>
            <h3 className="small-heading">Roles</h3>
            <ul className="role-chips">
              {roles.map((r) => (
                <li key={r!.id}>
                  <span className="role-dot" style={{ background: swatch(r!) }} aria-hidden="true" />
                  {r!.name}
                </li>
              ))}
            </ul>
          </>
        )}
        {error && <p className="form-error small" role="alert">{error}</p>}
        {me && popout.userId !== me.id && !user?.bot && (
          <button
            type="button"
            className="button block"
            onClick={async () => {
              try {
                const ch = await openDm(popout.userId);
                ui.closeUser();
                navigate(`/channels/@me/${ch.id}`);
              } catch (err) {
                setError(errorText(err));
              }
            }}
          >
            Message @{user?.username ?? name}
          </button>
        )}
        {me && popout.userId !== me.id && <UserNote key={popout.userId} userId={popout.userId} />}
        {me && popout.userId !== me.id && <RelationshipButtons userId={popout.userId} bot={Boolean(user?.bot)} onError={setError} />}
        {popout.guildId && <ModerationButtons guildId={popout.guildId} userId={popout.userId} inPopout />}
      </div>
    </div>
  );
}

/**
 * The profile card's Note: a private note on the user (GET / PUT /users/@me/notes/{id}), saved when the box loses
 * focus. Only its writer ever sees it.
 */
function UserNote({ userId }: { userId: string }) {
  const [saved, setSaved] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    fetchNote(userId).then((n) => {
      if (!live) return;
      setSaved(n);
      setNote(n);
    }, () => live && setSaved(''));
    return () => {
      live = false;
    };
  }, [userId]);
  if (saved === null) return null;
  return (
    <>
      <h3 className="small-heading">Note</h3>
      <textarea
        className="user-note"
        aria-label="Note"
        placeholder="Click to add a note"
        rows={2}
        maxLength={256}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        onBlur={() => {
          if (note.trim() === saved) return;
          saveNote(userId, note.trim()).then(() => (setSaved(note.trim()), setError('')), (err) => setError(errorText(err)));
        }}
      />
      {error && <p className="form-error small" role="alert">{error}</p>}
    </>
  );
}

