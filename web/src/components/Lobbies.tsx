/**
 * Game Lobbies (/channels/@me/lobbies): the lobbies games put the user in (Discord's Social SDK lobbies), each a
 * chat with its players. The list and an open lobby follow the LOBBY_* events (lobbies.ts); the user reads and
 * sends its messages, sees who is in it and which server channel it is linked to, and may leave it.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { navigate } from '../router.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import type { Lobby } from '../types.ts';
import { ui } from '../ui.ts';
import { leaveLobby, loadLobbies, loadLobbyMessages, lobbyTitle, sendLobbyMessage } from '../lobbies.ts';
import { Icon } from './Icon.tsx';
import { Confirm } from './Modal.tsx';

export function LobbiesView({ lobbyId }: { lobbyId: string }) {
  const lobbies = useStore((s) => s.lobbies);
  const [error, setError] = useState('');
  // Asked for when the page opens, and again after a reconnect's READY reset the list.
  const unloaded = lobbies === null;
  useEffect(() => {
    if (unloaded) loadLobbies().catch((err) => setError(errorText(err)));
  }, [unloaded]);
  const list = Object.values(lobbies ?? {});
  const open = lobbyId ? lobbies?.[lobbyId] : undefined;
  return (
    <main className="chat friends" aria-label="Game Lobbies">
      <header className="chat-header">
        <button type="button" className="icon-button mobile-only" aria-label="Open navigation" onClick={() => ui.setDrawer('nav')}>
          <Icon name="menu" />
        </button>
        <h1>{open ? lobbyTitle(open) : 'Game Lobbies'}</h1>
        {open && (
          <button type="button" className="button small secondary" onClick={() => navigate('/channels/@me/lobbies')}>
            All Lobbies
          </button>
        )}
      </header>
      <div className="friends-body">
        {error && <p className="form-error" role="alert">{error}</p>}
        {lobbies === null && !error && <p className="muted">Loading lobbies…</p>}
        {open ? (
          <LobbyChat lobby={open} />
        ) : lobbyId && lobbies ? (
          <p className="muted">You are not in this lobby any more.</p>
        ) : (
          lobbies && (
            <>
              <h2 className="small-heading">Your Lobbies — {list.length}</h2>
              {list.length === 0 && <p className="muted">No game has put you in a lobby yet.</p>}
              <ul className="friend-list" aria-label="Your lobbies">
                {list.map((l) => (
                  <li key={l.id} className="friend-row">
                    <a
                      href={`/channels/@me/lobbies/${l.id}`}
                      className="friend-names"
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/channels/@me/lobbies/${l.id}`);
                      }}
                    >
                      <strong className="ellipsis">{lobbyTitle(l)}</strong>
                      <span className="small muted">{l.members.length} {l.members.length === 1 ? 'player' : 'players'}{l.linked_channel ? ` · linked to #${l.linked_channel.name}` : ''}</span>
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )
        )}
      </div>
    </main>
  );
}

function LobbyChat({ lobby }: { lobby: Lobby }) {
  const messages = useStore((s) => s.lobbyMessages[lobby.id]);
  const users = useStore((s) => s.users);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState('');
  const [leaving, setLeaving] = useState(false);
  const unloaded = messages === undefined;
  useEffect(() => {
    if (unloaded) loadLobbyMessages(lobby.id).catch((err) => setError(errorText(err)));
  }, [lobby.id, unloaded]);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    const content = draft.trim();
    if (!content) return;
    setError('');
    try {
      await sendLobbyMessage(lobby.id, content);
      setDraft('');
    } catch (err) {
      setError(errorText(err));
    }
  };
  const nameOf = (id: string, additional?: string) => additional || users[id]?.global_name || users[id]?.username || `User ${id}`;
  return (
    <section aria-label={`Lobby ${lobbyTitle(lobby)}`}>
      <p className="small muted">
        {lobby.members.length} {lobby.members.length === 1 ? 'player' : 'players'}: {lobby.members.map((m) => nameOf(m.id, m.additional_name)).join(', ')}
        {lobby.linked_channel && <> · linked to <strong>#{lobby.linked_channel.name}</strong></>}
      </p>
      <ol className="lobby-messages" aria-label="Lobby messages">
        {(messages ?? []).map((m) => (
          <li key={m.id}>
            <strong>{nameOf(m.author.id, m.lobby_member?.additional_name)}</strong> <span>{m.content}</span>
          </li>
        ))}
      </ol>
      {messages?.length === 0 && <p className="muted">No messages yet. Say hello!</p>}
      {error && <p className="form-error" role="alert">{error}</p>}
      <form className="lobby-composer" onSubmit={send}>
        <input aria-label="Message the lobby" value={draft} maxLength={2000} onChange={(e) => setDraft(e.target.value)} placeholder="Message the lobby" />
        <button type="submit" className="button small" disabled={!draft.trim()}>Send</button>
        <button type="button" className="button small danger" onClick={() => setLeaving(true)}>Leave Lobby</button>
      </form>
      {leaving && (
        <Confirm
          title="Leave Lobby"
          body="You will stop getting its messages. Only the game can put you back in."
          confirmLabel="Leave Lobby"
          onClose={() => setLeaving(false)}
          onConfirm={async () => {
            await leaveLobby(lobby.id);
            setLeaving(false);
            navigate('/channels/@me/lobbies');
          }}
        />
      )}
    </section>
  );
}
