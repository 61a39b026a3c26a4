/**
 * A channel's settings: name, and for text channels the topic (up to 1024 characters, shown in the chat
 * header) and slowmode (Discord's steps from off to 6 hours). Text, announcement and forum channels also set what
 * their new threads (a forum's posts) start with: when they hide after inactivity and, but in announcement
 * channels, their slowmode; a forum may require a tag on every post (REQUIRE_TAG). PATCH /channels/{id};
 * CHANNEL_UPDATE follows.
 */
import { useState } from 'react';
import { SLOWMODE_CHOICES, updateChannelSettings } from '../moderation.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { ChannelType } from '../types.ts';
import { Modal } from './Modal.tsx';

const FORUM = 15;
const MEDIA = 16;
/** A forum's flag: every post must carry a tag. */
const REQUIRE_TAG = 1 << 4;
/** Discord's choices for when threads hide, in minutes. */
const ARCHIVE_CHOICES: ReadonlyArray<{ label: string; minutes: number }> = [
  { label: '1 Hour', minutes: 60 },
  { label: '24 Hours', minutes: 1440 },
  { label: '3 Days', minutes: 4320 },
  { label: '1 Week', minutes: 10080 },
];

/** Discord's slowmode steps, with a value the server holds that is not one of them still shown (and kept). */
function slowmodeChoices(seconds: number): ReadonlyArray<{ label: string; seconds: number }> {
  return SLOWMODE_CHOICES.some((c) => c.seconds === seconds) ? SLOWMODE_CHOICES : [...SLOWMODE_CHOICES, { label: `${seconds}s`, seconds }];
}

export function ChannelSettings({ channelId, onClose }: { channelId: string; onClose: () => void }) {
  const channel = useStore((s) => s.channels[channelId]);
  const [name, setName] = useState(channel?.name ?? '');
  const [topic, setTopic] = useState(channel?.topic ?? '');
  const [slowmode, setSlowmode] = useState(channel?.rate_limit_per_user ?? 0);
  // Text ↔ announcement (components/Announcements.tsx).
  const [announcement, setAnnouncement] = useState(channel?.type === ChannelType.GUILD_ANNOUNCEMENT);
  const [archiveAfter, setArchiveAfter] = useState(channel?.default_auto_archive_duration ?? 4320);
  const [threadSlowmode, setThreadSlowmode] = useState(channel?.default_thread_rate_limit_per_user ?? 0);
  const [requireTag, setRequireTag] = useState(((channel?.flags ?? 0) & REQUIRE_TAG) !== 0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (!channel) return null;
  const textLike = channel.type === ChannelType.GUILD_TEXT || channel.type === ChannelType.GUILD_ANNOUNCEMENT;
  // A voice channel's text chat has a slowmode of its own.
  const voice = channel.type === ChannelType.GUILD_VOICE;
  const forum = channel.type === FORUM || channel.type === MEDIA;
  const threaded = textLike || forum;
  const flags = channel.flags ?? 0;
  const kind = channel.type === ChannelType.GUILD_CATEGORY ? 'Category' : 'Channel';
  const threadChoices = slowmodeChoices(threadSlowmode);
  const choices = slowmodeChoices(slowmode);
  return (
    <Modal title={`${channel.type === ChannelType.GUILD_CATEGORY ? '' : '#'}${channel.name} — ${kind} Settings`} onClose={onClose}>
      <form
        className="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (busy) return;
          setBusy(true);
          setError('');
          try {
            await updateChannelSettings(channelId, {
              ...(name.trim() !== channel.name ? { name: name.trim() } : {}),
              ...(textLike ? { topic: topic.trim() || null, rate_limit_per_user: slowmode } : {}),
              ...(voice ? { rate_limit_per_user: slowmode } : {}),
              ...(textLike && announcement !== (channel.type === ChannelType.GUILD_ANNOUNCEMENT) ? { type: announcement ? ChannelType.GUILD_ANNOUNCEMENT : ChannelType.GUILD_TEXT } : {}),
              ...(threaded && archiveAfter !== (channel.default_auto_archive_duration ?? 4320) ? { default_auto_archive_duration: archiveAfter } : {}),
              // Announcement channels take no slowmode, their threads' default included.
              ...(threaded && !announcement && threadSlowmode !== (channel.default_thread_rate_limit_per_user ?? 0) ? { default_thread_rate_limit_per_user: threadSlowmode } : {}),
              ...(forum && requireTag !== ((flags & REQUIRE_TAG) !== 0) ? { flags: requireTag ? flags | REQUIRE_TAG : flags & ~REQUIRE_TAG } : {}),
            });
            onClose();
          } catch (err) {
            setError(errorText(err));
            setBusy(false);
          }
        }}
      >
        <label>
          {kind} name
          <input value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} />
        </label>
        {textLike && (
          <label>
            Channel topic
            <textarea value={topic} maxLength={1024} rows={3} placeholder="Let everyone know how to use this channel!" onChange={(e) => setTopic(e.target.value)} />
          </label>
        )}
        {(textLike || voice) && (
          <>
            <label>
              Slowmode
              <select value={slowmode} onChange={(e) => setSlowmode(Number(e.target.value))}>
                {choices.map((c) => (
                  <option key={c.seconds} value={c.seconds}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
            <p className="muted small">Members can send one message per this interval, unless they can manage the channel or its messages.</p>
          </>
        )}
        {textLike && (
          <>
            <label className="checkbox">
              <input type="checkbox" checked={announcement} onChange={(e) => setAnnouncement(e.target.checked)} />
              Announcement channel
            </label>
            <p className="muted small">Messages published in an announcement channel reach every channel that follows it, in any server.</p>
          </>
        )}
        {threaded && (
          <fieldset className="stack">
            <legend>{forum ? 'Posts' : 'Threads'}</legend>
            <label>
              Hide After Inactivity
              <select value={archiveAfter} onChange={(e) => setArchiveAfter(Number(e.target.value))}>
                {ARCHIVE_CHOICES.map((c) => (
                  <option key={c.minutes} value={c.minutes}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
            {!announcement && (
              <label>
                Default {forum ? 'post' : 'thread'} slowmode
                <select value={threadSlowmode} onChange={(e) => setThreadSlowmode(Number(e.target.value))}>
                  {threadChoices.map((c) => (
                    <option key={c.seconds} value={c.seconds}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <p className="muted small">What new {forum ? 'posts' : 'threads'} start with; each can be changed on its own.</p>
            {forum && (
              <label className="checkbox">
                <input type="checkbox" checked={requireTag} onChange={(e) => setRequireTag(e.target.checked)} />
                Require people to select tags when posting
              </label>
            )}
          </fieldset>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={!name.trim()} aria-disabled={busy}>
            Save Changes
          </button>
        </div>
      </form>
    </Modal>
  );
}
