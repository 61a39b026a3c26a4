/**
 * Threads in the chat: the header's Threads button (the channel's active and archived threads, "Create Thread"),
 * a message's "Create Thread" action, and in a thread Join / Leave and, for those who may MANAGE_THREADS,
 * Archive and Lock. A thread opens in the chat view like a channel (its composer sends into it).
 */
import { useState } from 'react';
import { rest } from '../api.ts';
import { navigate } from '../router.ts';
import { applyDispatch } from '../events.ts';
import { useStore } from '../store.ts';
import type { Channel, Message } from '../types.ts';

export const THREAD_TYPES = new Set([10, 11, 12]);
export const isThreadChannel = (c: { type: number } | undefined) => Boolean(c && THREAD_TYPES.has(c.type));

function openThread(guildId: string, thread: Channel) {
  applyDispatch('THREAD_CREATE', thread);
  navigate(`/channels/${guildId}/${thread.id}`);
}

/** The header button and its panel for a text channel. */
export function ThreadsButton({ guildId, channelId }: { guildId: string; channelId: string }) {
  const [open, setOpen] = useState(false);
  const [threads, setThreads] = useState<Channel[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const load = async () => {
    const [active, archived] = await Promise.all([
      rest.get<{ threads: Channel[] }>(`/guilds/${guildId}/threads/active`),
      rest.get<{ threads: Channel[] }>(`/channels/${channelId}/threads/archived/public`).catch(() => ({ threads: [] as Channel[] })),
    ]);
    setThreads([...active.threads.filter((t) => t.parent_id === channelId), ...archived.threads]);
  };
  const create = async () => {
    setError('');
    try {
      const thread = await rest.post<Channel>(`/channels/${channelId}/threads`, { name: name.trim(), type: 11 });
      setOpen(false);
      setName('');
      openThread(guildId, thread);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <span className="threads-button">
      <button type="button" className="icon-button" aria-label="Threads" title="Threads" aria-expanded={open} onClick={() => { setOpen(!open); if (!open) void load(); }}>
        🧵
      </button>
      {open && (
        <div className="popout threads-panel" role="dialog" aria-label="Threads">
          <form onSubmit={(e) => { e.preventDefault(); if (name.trim()) void create(); }}>
            <input aria-label="New thread name" placeholder="New thread name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
            <button type="submit" disabled={!name.trim()}>Create Thread</button>
          </form>
          {error && <p role="alert">{error}</p>}
          <ul aria-label="Thread list">
            {threads.length === 0 && <li className="muted">No threads yet.</li>}
            {threads.map((t) => (
              <li key={t.id}>
                <button type="button" className="link" onClick={() => { setOpen(false); openThread(guildId, t); }}>
                  {t.name}{(t as any).thread_metadata?.archived ? ' (archived)' : ''}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </span>
  );
}

/** "Create Thread" in a guild message's actions. */
export function CreateThreadAction({ msg }: { msg: Message }) {
  const channel = useStore((s) => s.channels[msg.channel_id]);
  if (!channel?.guild_id || isThreadChannel(channel) || (msg as any).flags & 32) return null;
  const start = async () => {
    const name = window.prompt('Thread name', (msg.content || 'Thread').slice(0, 100));
    if (!name?.trim()) return;
    const thread = await rest.post<Channel>(`/channels/${msg.channel_id}/messages/${msg.id}/threads`, { name: name.trim() });
    openThread(channel.guild_id!, thread);
  };
  return (
    <button type="button" className="icon-button" aria-label="Create Thread" title="Create Thread" onClick={() => void start().catch(() => {})}>
      🧵
    </button>
  );
}

/** In a thread's header: back to the parent, Join / Leave, and Archive / Lock for moderators. */
export function ThreadHeaderActions({ channel, canManage }: { channel: Channel; canManage: boolean }) {
  const me = useStore((s) => s.me);
  const [joined, setJoined] = useState<boolean | null>(null);
  const meta = (channel as any).thread_metadata ?? {};
  const member = joined ?? Boolean((channel as any).member);
  const patch = async (body: Record<string, unknown>) => applyDispatch('THREAD_UPDATE', await rest.patch<Channel>(`/channels/${channel.id}`, body));
  return (
    <>
      {channel.parent_id && (
        <button type="button" className="link" onClick={() => navigate(`/channels/${channel.guild_id}/${channel.parent_id}`)}>Back to channel</button>
      )}
      {me && (member
        ? <button type="button" onClick={() => void rest.delete(`/channels/${channel.id}/thread-members/@me`).then(() => setJoined(false))}>Leave Thread</button>
        : <button type="button" onClick={() => void rest.put(`/channels/${channel.id}/thread-members/@me`).then(() => setJoined(true))}>Join Thread</button>)}
      {canManage && <button type="button" onClick={() => void patch({ archived: !meta.archived })}>{meta.archived ? 'Unarchive' : 'Archive'}</button>}
      {canManage && <button type="button" onClick={() => void patch({ locked: !meta.locked, ...(meta.archived ? { archived: false } : {}) })}>{meta.locked ? 'Unlock' : 'Lock'}</button>}
    </>
  );
}
