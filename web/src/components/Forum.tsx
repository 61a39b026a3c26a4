/**
 * A forum (15) or media (16) channel: its posts (threads) as a list with their tags, a tag filter, "New Post"
 * (title, first message with files, tags) and, for those who may MANAGE_CHANNELS, adding tags. A post opens in the chat view
 * like a thread. Posts arrive live through THREAD_CREATE / THREAD_UPDATE (events.ts puts them in the store).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatBytes } from '../media-url.ts';
import { MAX_FILES, MAX_FILE_BYTES, MAX_MESSAGE_BYTES } from '../upload.ts';
import { rest } from '../api.ts';
import { applyDispatch } from '../events.ts';
import { P, channelPermissions, has } from '../perms.ts';
import { navigate } from '../router.ts';
import { useStore } from '../store.ts';
import type { Channel } from '../types.ts';
import { isThreadChannel } from './Threads.tsx';

interface Tag { id: string; name: string; moderated: boolean; emoji_name: string | null }

export function ForumView({ guildId, channelId }: { guildId: string; channelId: string }) {
  const channel = useStore((s) => s.channels[channelId]) as (Channel & { available_tags?: Tag[] }) | undefined;
  const guild = useStore((s) => s.guilds[guildId]);
  const me = useStore((s) => s.me);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  const all = useStore((s) => s.channels);
  const [filter, setFilter] = useState<string | null>(null);
  const [composing, setComposing] = useState(false);
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [files, setFiles] = useState<File[]>([]);
  const [posting, setPosting] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const [newTag, setNewTag] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    // The channel with its tags, and its posts (active and archived) into the store.
    void rest.get<Channel>(`/channels/${channelId}`).then((c) => applyDispatch('CHANNEL_UPDATE', c)).catch(() => {});
    void Promise.all([
      rest.get<{ threads: Channel[] }>(`/guilds/${guildId}/threads/active`),
      rest.get<{ threads: Channel[] }>(`/channels/${channelId}/threads/archived/public`).catch(() => ({ threads: [] as Channel[] })),
    ]).then(([a, b]) => { for (const t of [...a.threads, ...b.threads]) if (t.parent_id === channelId) applyDispatch('THREAD_CREATE', t); }).catch(() => {});
  }, [guildId, channelId]);

  const tags = channel?.available_tags ?? [];
  const posts = useMemo(
    () => Object.values(all).filter((c) => isThreadChannel(c) && c.parent_id === channelId)
      .filter((c) => !filter || ((c as any).applied_tags ?? []).includes(filter))
      .sort((a, b) => (((b as any).flags & 2) - ((a as any).flags & 2)) || (BigInt(b.last_message_id ?? b.id) > BigInt(a.last_message_id ?? a.id) ? 1 : -1)),
    [all, channelId, filter],
  );
  if (!channel) return <main className="chat empty" aria-label="Chat">Channel not found.</main>;
  const perms = guild && me ? channelPermissions(guild, channel, me.id, member) : -1n;
  const canPost = perms === -1n || has(perms, P.SEND_MESSAGES);
  const canManage = perms === -1n || has(perms, P.MANAGE_CHANNELS);
  const canModerate = perms === -1n || has(perms, P.MANAGE_THREADS);
  const canAttach = perms === -1n || has(perms, P.ATTACH_FILES);
  const filesTooLarge = files.length > MAX_FILES || files.some((f) => f.size > MAX_FILE_BYTES) || files.reduce((n, f) => n + f.size, 0) > MAX_MESSAGE_BYTES;
  const postable = Boolean(title.trim()) && (Boolean(content.trim()) || files.length > 0) && !filesTooLarge && !posting;
  const tagName = (id: string) => tags.find((t) => t.id === id)?.name ?? '';

  const post = async () => {
    setError('');
    setPosting(true);
    try {
      const body = { name: title.trim(), message: { content }, applied_tags: chosen };
      // With files, the multipart form (loaded on use, as the composer's uploads are).
      const made = files.length
        ? await (await import('../upload-send.ts')).postWithFiles(channelId, body, files)
        : await rest.post<Channel>(`/channels/${channelId}/threads`, body);
      applyDispatch('THREAD_CREATE', made);
      setComposing(false);
      setTitle('');
      setContent('');
      setChosen([]);
      setFiles([]);
      navigate(`/channels/${guildId}/${made.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setPosting(false);
    }
  };
  const addTag = async () => {
    const next = [...tags.map((t) => ({ id: t.id, name: t.name, moderated: t.moderated, emoji_name: t.emoji_name })), { name: newTag.trim() }];
    applyDispatch('CHANNEL_UPDATE', await rest.patch<Channel>(`/channels/${channelId}`, { available_tags: next }));
    setNewTag('');
  };

  return (
    <main className="chat forum" aria-label={`Forum ${channel.name ?? ''}`}>
      <header className="chat-header">
        <h1 className="ellipsis"><span className="muted" aria-hidden="true">💬 </span>{channel.name}</h1>
        <span className="grow" />
        {canPost && <button type="button" className="button" onClick={() => setComposing(!composing)}>New Post</button>}
      </header>
      <div className="forum-body stack" style={{ padding: 16, overflow: 'auto' }}>
        <div className="row wrap" role="group" aria-label="Filter by tag">
          {tags.map((t) => (
            <button key={t.id} type="button" aria-pressed={filter === t.id} className={filter === t.id ? 'tag selected' : 'tag'} onClick={() => setFilter(filter === t.id ? null : t.id)}>
              {t.emoji_name ? `${t.emoji_name} ` : ''}{t.name}
            </button>
          ))}
          {canManage && (
            <form className="row" onSubmit={(e) => { e.preventDefault(); if (newTag.trim()) void addTag().catch((err) => setError(String(err))); }}>
              <input aria-label="New tag" placeholder="New tag" value={newTag} maxLength={20} onChange={(e) => setNewTag(e.target.value)} />
              <button type="submit" disabled={!newTag.trim()}>Add Tag</button>
            </form>
          )}
        </div>
        {composing && (
          <form className="stack" aria-label="New post" onSubmit={(e) => { e.preventDefault(); if (postable) void post(); }}>
            <input aria-label="Post title" placeholder="Title" value={title} maxLength={100} onChange={(e) => setTitle(e.target.value)} />
            <textarea aria-label="Post message" placeholder="Message" value={content} maxLength={2000} onChange={(e) => setContent(e.target.value)} />
            <div className="row wrap" role="group" aria-label="Tags">
              {tags.filter((t) => !t.moderated || canModerate).map((t) => (
                <label key={t.id}>
                  <input type="checkbox" checked={chosen.includes(t.id)} disabled={!chosen.includes(t.id) && chosen.length >= 5}
                    onChange={(e) => setChosen(e.target.checked ? [...chosen, t.id] : chosen.filter((x) => x !== t.id))} />
                  {t.name}
                </label>
              ))}
            </div>
            {canAttach && (
              <div className="stack" role="group" aria-label="Files">
                <input ref={fileInput} type="file" multiple hidden aria-label="Files to attach" onChange={(e) => {
                  const picked = [...(e.currentTarget.files ?? [])];
                  e.currentTarget.value = '';
                  setFiles((f) => [...f, ...picked]);
                }} />
                <div className="row wrap">
                  <button type="button" className="button small secondary" onClick={() => fileInput.current?.click()}>Add Files</button>
                  {filesTooLarge && <span className="form-error small" role="alert">At most {MAX_FILES} files of {formatBytes(MAX_FILE_BYTES)} each, {formatBytes(MAX_MESSAGE_BYTES)} in all.</span>}
                </div>
                {files.length > 0 && (
                  <ul className="post-files" aria-label="Attached files">
                    {files.map((f, i) => (
                      <li key={`${i}:${f.name}`} className="row">
                        <span className="ellipsis">{f.name}</span>
                        <span className="muted small">{formatBytes(f.size)}</span>
                        <button type="button" className="link-button small" aria-label={`Remove ${f.name}`} onClick={() => setFiles(files.filter((_, j) => j !== i))}>Remove</button>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            )}
            <button type="submit" className="button" disabled={!postable}>Post</button>
          </form>
        )}
        {error && <p role="alert">{error}</p>}
        <ul className="forum-posts" aria-label="Posts">
          {posts.length === 0 && <li className="muted">No posts yet.</li>}
          {posts.map((p) => (
            <li key={p.id} className="forum-post">
              <button type="button" className="link" onClick={() => navigate(`/channels/${guildId}/${p.id}`)}>{(p as any).flags & 2 ? '📌 ' : ''}{p.name}</button>
              <span className="muted"> {(p as any).message_count ?? 0} messages</span>
              {((p as any).applied_tags ?? []).map((id: string) => <span key={id} className="tag" data-testid="post-tag"> {tagName(id)}</span>)}
            </li>
          ))}
        </ul>
      </div>
    </main>
  );
}
