/**
 * The Friends page of the home screen (Discord's): tabs Online / All / Pending / Blocked and Add Friend by
 * username, with accept / ignore / cancel for requests, message and remove for friends, unblock for blocks. The
 * list follows RELATIONSHIP_ADD / REMOVE live (relationships.ts).
 */
import { useMemo, useState } from 'react';
import { ApiError } from '../api.ts';
import { navigate } from '../router.ts';
import { errorText, openDm } from '../session.ts';
import { useStore } from '../store.ts';
import type { Relationship, Status } from '../types.ts';
import { ui } from '../ui.ts';
import {
  RelationshipType, acceptFriendRequest, addFriendByUsername, friendErrorText, removeRelationship,
} from '../relationships.ts';
import { Avatar, STATUS_LABEL } from './Avatar.tsx';
import { Icon } from './Icon.tsx';

type Tab = 'online' | 'all' | 'pending' | 'blocked' | 'add';
const TABS: Array<[Exclude<Tab, 'add'>, string]> = [['online', 'Online'], ['all', 'All'], ['pending', 'Pending'], ['blocked', 'Blocked']];

const nameOf = (r: Relationship) => r.nickname || r.user.global_name || r.user.username;
const isOnline = (s: Status | undefined) => Boolean(s) && s !== 'offline' && s !== 'invisible';

export function FriendsView() {
  const [tab, setTab] = useState<Tab>('online');
  const relationships = useStore((s) => s.relationships);
  const presences = useStore((s) => s.presences);
  const all = useMemo(() => Object.values(relationships).sort((a, b) => nameOf(a).localeCompare(nameOf(b))), [relationships]);
  const pendingCount = all.filter((r) => r.type === RelationshipType.INCOMING).length;
  const shown = all.filter((r) => {
    if (tab === 'online') return r.type === RelationshipType.FRIEND && isOnline(presences[r.id]);
    if (tab === 'all') return r.type === RelationshipType.FRIEND;
    if (tab === 'pending') return r.type === RelationshipType.INCOMING || r.type === RelationshipType.OUTGOING;
    if (tab === 'blocked') return r.type === RelationshipType.BLOCKED;
    return false;
  });
  const tabLabel = TABS.find(([t]) => t === tab)?.[1] ?? '';
  return (
    <main className="chat friends" aria-label="Friends">
      <header className="chat-header">
        <button type="button" className="icon-button mobile-only" aria-label="Open navigation" onClick={() => ui.setDrawer('nav')}>
          <Icon name="menu" />
        </button>
        <h1>Friends</h1>
        <div className="friends-tabs" role="tablist" aria-label="Friends">
          {TABS.map(([t, label]) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
              {label}
              {t === 'pending' && pendingCount > 0 && <span className="mention-badge" aria-label={`, ${pendingCount} incoming`}>{pendingCount}</span>}
            </button>
          ))}
          <button type="button" role="tab" className="add-friend-tab" aria-selected={tab === 'add'} onClick={() => setTab('add')}>
            Add Friend
          </button>
        </div>
      </header>
      <div className="friends-body">
        {tab === 'add' ? (
          <AddFriend />
        ) : (
          <>
            <h2 className="small-heading">
              {tabLabel} — {shown.length}
            </h2>
            {shown.length === 0 && <p className="muted">{EMPTY[tab]}</p>}
            <ul className="friend-list" aria-label={`${tabLabel} friends`}>
              {shown.map((r) => (
                <FriendRow key={r.id} r={r} status={presences[r.id]} />
              ))}
            </ul>
          </>
        )}
      </div>
    </main>
  );
}

const EMPTY: Record<Exclude<Tab, 'add'>, string> = {
  online: 'No one’s around right now.',
  all: 'No friends yet. Add someone by their username.',
  pending: 'There are no pending friend requests.',
  blocked: 'You haven’t blocked anyone.',
};

function FriendRow({ r, status }: { r: Relationship; status: Status | undefined }) {
  const [error, setError] = useState('');
  const name = nameOf(r);
  const act = (fn: () => Promise<unknown>) => async () => {
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(err instanceof ApiError ? friendErrorText(err.code, errorText(err)) : errorText(err));
    }
  };
  const s = status === 'invisible' || !status ? 'offline' : status;
  const subtitle =
    r.type === RelationshipType.INCOMING ? 'Incoming Friend Request' : r.type === RelationshipType.OUTGOING ? 'Outgoing Friend Request' : r.type === RelationshipType.BLOCKED ? 'Blocked' : STATUS_LABEL[s];
  return (
    <li className="friend-row" aria-label={`${name}, ${subtitle}`}>
      <Avatar user={r.user} size={32} status={r.type === RelationshipType.FRIEND ? s : undefined} />
      <span className="friend-names">
        <span className="ellipsis">
          <strong>{name}</strong>{name !== r.user.username && <span className="muted"> {r.user.username}</span>}
        </span>
        <span className="small muted">{subtitle}</span>
        {error && <span className="form-error small" role="alert">{error}</span>}
      </span>
      <span className="friend-actions">
        {r.type === RelationshipType.FRIEND && (
          <>
            <button
              type="button"
              className="button small secondary"
              onClick={act(async () => {
                const ch = await openDm(r.id);
                navigate(`/channels/@me/${ch.id}`);
              })}
            >
              Message
            </button>
            <button type="button" className="button small danger" aria-label={`Remove friend ${r.user.username}`} onClick={act(() => removeRelationship(r.id))}>
              Remove Friend
            </button>
          </>
        )}
        {r.type === RelationshipType.INCOMING && (
          <>
            <button type="button" className="button small" aria-label={`Accept ${r.user.username}`} onClick={act(() => acceptFriendRequest(r.id))}>
              Accept
            </button>
            <button type="button" className="button small secondary" aria-label={`Ignore ${r.user.username}`} onClick={act(() => removeRelationship(r.id))}>
              Ignore
            </button>
          </>
        )}
        {r.type === RelationshipType.OUTGOING && (
          <button type="button" className="button small secondary" aria-label={`Cancel request to ${r.user.username}`} onClick={act(() => removeRelationship(r.id))}>
            Cancel
          </button>
        )}
        {r.type === RelationshipType.BLOCKED && (
          <button type="button" className="button small secondary" aria-label={`Unblock ${r.user.username}`} onClick={act(() => removeRelationship(r.id))}>
            Unblock
          </button>
        )}
      </span>
    </li>
  );
}

function AddFriend() {
  const [username, setUsername] = useState('');
  const [error, setError] = useState('');
  const [sent, setSent] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="add-friend"
      onSubmit={async (e) => {
        e.preventDefault();
        const name = username.trim();
        if (!name) return;
        setBusy(true);
        setError('');
        setSent('');
        try {
          await addFriendByUsername(name);
          setSent(`Success! Your friend request to ${name} was sent.`);
          setUsername('');
        } catch (err) {
          setError(err instanceof ApiError ? friendErrorText(err.code, errorText(err)) : errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Add Friend</h2>
      <p className="muted">You can add friends with their username.</p>
      <div className="add-friend-row">
        <input aria-label="Username" placeholder="You can add friends with their username." value={username} maxLength={32} onChange={(e) => setUsername(e.target.value)} />
        <button type="submit" className="button" disabled={busy || !username.trim()}>
          Send Friend Request
        </button>
      </div>
      {error && <p className="form-error" role="alert">{error}</p>}
      {sent && <p className="success" role="status">{sent}</p>}
    </form>
  );
}
