/**
 * Announcement channels in the web client: the megaphone icon they are drawn with, "Publish" in a message's
 * actions (channels/announcements on the server: the copy goes to every following channel), and "Follow" in the
 * channel header, which lets the user pick a server and a text channel where they may manage webhooks.
 */
import { useMemo, useState } from 'react';
import { canPublish, followChannel, followTargets, publishMessage } from '../announcements.ts';
import { errorText } from '../session.ts';
import { store, useStore } from '../store.ts';
import type { Channel, Message } from '../types.ts';
import { Modal } from './Modal.tsx';

const MEGAPHONE = 'M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1zM15 8.5a4 4 0 0 1 0 7M18 5.5a8 8 0 0 1 0 13';

export function AnnouncementIcon({ size = 20 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={MEGAPHONE} />
    </svg>
  );
}

/** "Publish" in the message's actions, for those who may. */
export function PublishAction({ msg, run }: { msg: Message; run: (fn: () => Promise<unknown>) => unknown }) {
  const allowed = useStore((s) => canPublish(s, msg));
  if (!allowed) return null;
  return (
    <button type="button" className="icon-button" aria-label="Publish" title="Publish to following channels" onClick={() => run(() => publishMessage(msg))}>
      <AnnouncementIcon />
    </button>
  );
}

/** Marks a published message, and a copy from a followed channel. */
export function CrosspostNote({ msg }: { msg: Message }) {
  const flags = msg.flags ?? 0;
  if (flags & 2) return <span className="crosspost-tag small" title="From a followed announcement channel">FOLLOWED</span>;
  if (flags & 1) return <span className="crosspost-tag small" title="Published to following channels">PUBLISHED</span>;
  return null;
}

/** The header's Follow button of an announcement channel. */
export function FollowButton({ channel }: { channel: Channel }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="follow-button" aria-label={`Follow #${channel.name ?? ''}`} title="Follow this channel in another server" onClick={() => setOpen(true)}>
        Follow
      </button>
      {open && <FollowDialog channel={channel} onClose={() => setOpen(false)} />}
    </>
  );
}

function FollowDialog({ channel, onClose }: { channel: Channel; onClose(): void }) {
  const guilds = useStore((s) => s.guilds);
  const channels = useStore((s) => s.channels);
  const targets = useMemo(() => followTargets(store.state), [guilds, channels]);
  const [guildId, setGuildId] = useState(targets[0]?.guildId ?? '');
  const options = targets.find((t) => t.guildId === guildId)?.channels ?? [];
  const [channelId, setChannelId] = useState(options[0]?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');

  const pickGuild = (id: string) => {
    setGuildId(id);
    setChannelId(targets.find((t) => t.guildId === id)?.channels[0]?.id ?? '');
  };

  const submit = async (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (!channelId || busy) return;
    setBusy(true);
    setError('');
    try {
      await followChannel(channel.id, channelId);
      const target = options.find((c) => c.id === channelId);
      setDone(`Following #${channel.name ?? ''} in #${target?.name ?? ''}. Published messages will appear there.`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Follow #${channel.name ?? ''}`} onClose={onClose}>
      {targets.length === 0 ? (
        <p className="muted">You need Manage Webhooks in a text channel of a server to follow this channel there.</p>
      ) : done ? (
        <>
          <p role="status">{done}</p>
          <div className="modal-actions">
            <button type="button" className="button" onClick={onClose}>Done</button>
          </div>
        </>
      ) : (
        <form className="stack" onSubmit={submit}>
          <p className="muted small">Messages published in this channel will be posted in the channel you pick.</p>
          <label>
            Server
            <select value={guildId} onChange={(e) => pickGuild(e.currentTarget.value)}>
              {targets.map((t) => (
                <option key={t.guildId} value={t.guildId}>{t.guildName}</option>
              ))}
            </select>
          </label>
          <label>
            Channel
            <select value={channelId} onChange={(e) => setChannelId(e.currentTarget.value)}>
              {options.map((c) => (
                <option key={c.id} value={c.id}>#{c.name}</option>
              ))}
            </select>
          </label>
          {error && <p className="error" role="alert">{error}</p>}
          <div className="modal-actions">
            <button type="button" className="button secondary" onClick={onClose}>Cancel</button>
            <button type="submit" className="button" disabled={busy || !channelId}>Follow</button>
          </div>
        </form>
      )}
    </Modal>
  );
}
