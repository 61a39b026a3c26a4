/**
 * The open channel: header, history (infinite scroll upwards with the scroll position kept when older pages
 * load, and kept per channel when switching away and back), the composer, and who is typing.
 *
 * Keyboard, as Discord's client has it: the history is one Tab stop; Up/Down (Home/End) move through messages,
 * Enter acts on one (see Message.tsx), Escape goes back to the composer, and Tab leaves the history.
 */
import { Suspense, lazy, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { compareIds } from '../api.ts';
import { focusCameFromTab, focusComposer, tabbables } from '../focus.ts';
import type { MentionResolver } from '../markdown.tsx';
import { P, channelPermissions, has } from '../perms.ts';
import { canModerateStage } from '../stages.ts';
import { navigate } from '../router.ts';
import { ack, errorText, leaveGroupDm, loadLatest, loadOlder, renameGroupDm, sendMessage, sendTyping } from '../session.ts';
import { blockedText } from '../auto-moderation.ts';
import { channelLabel, displayName, store, useStore } from '../store.ts';
import { nameStyle, topColoredRole } from '../role-style.ts';
import { ChannelType, type Message } from '../types.ts';
import { ui, useUi } from '../ui.ts';
import { MessageItem, isSystemMessage } from './Message.tsx';
import { mentionsMe } from '../mentions.ts';
import { useComposerAutocomplete } from './Autocomplete.tsx';
import { useCommandPicker } from './CommandPicker.tsx';
import { CommandStatusLine, runCommand } from './CommandStatus.tsx';
import { NewMessagesBar } from './NewMessagesBar.tsx';
import { ComposerEmojiButton } from './ComposerEmojiButton.tsx';
import { PollButton } from './Poll.tsx';
import { StickerPickerButton } from './GuildStickers.tsx';
import { FollowButton } from './Announcements.tsx';
import { ChannelIcon } from './ChannelIcon.tsx';
import { VoiceStatusHeader } from './VoiceStatus.tsx';
import { isVoiceLike } from '../../../src/protocol/channel-types.ts';
import { Icon } from './Icon.tsx';
import { Confirm, Modal } from './Modal.tsx';
import { PinsButton } from './Pins.tsx';
import { ThreadHeaderActions, ThreadsButton, isThreadChannel } from './Threads.tsx';
import { ChannelNotificationButton } from './NotificationButton.tsx';
import { SearchBox } from './SearchBox.tsx';
import { useTimedOutUntil } from './MemberActions.tsx';
import { PendingFiles, UploadButton, useFileDrop } from './ComposerFiles.tsx';
import { addFiles, clearError, draftOf, filesOf, useDraft } from '../upload.ts';
import { blockedRunsOf } from '../relationships.ts';

// A forum's post list loads when a forum is opened.
const ForumView = lazy(() => import('./Forum.tsx').then((m) => ({ default: m.ForumView })));
const StageBar = lazy(() => import('./StageBar.tsx'));
// A slash command's option form loads when a command is first picked.
const CommandForm = lazy(() => import('./CommandForm.tsx').then((m) => ({ default: m.CommandForm })));

const GROUP_WINDOW_MS = 7 * 60 * 1000;
/** Start loading older history this close to the top, so it is usually there before the user reaches it. */
const LOAD_OLDER_PX = 600;
const AT_BOTTOM_PX = 48;

export function ChatView({ guildId, channelId }: { guildId: string | null; channelId: string }) {
  const channel = useStore((s) => s.channels[channelId]);
  const guild = useStore((s) => (guildId ? s.guilds[guildId] : undefined));
  const me = useStore((s) => s.me);
  const member = useStore((s) => (guildId && me ? s.members[guildId]?.[me.id] : undefined));
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [loadError, setLoadError] = useState('');
  const membersOpen = useUi((u) => u.membersOpen);
  const [groupDialog, setGroupDialog] = useState<'rename' | 'leave' | null>(null);

  useEffect(() => {
    setReplyTo(null);
    setEditingId(null);
    setLoadError('');
    loadLatest(channelId).catch((err) => setLoadError(errorText(err)));
  }, [channelId]);

  // Re-rendered when a timeout ends, so the composer opens again by itself.
  const timedOutUntil = useTimedOutUntil(guildId);
  const perms = guild && channel && me ? channelPermissions(guild, channel, me.id, member) : -1n;
  const thread = isThreadChannel(channel);
  const canSend = perms === -1n || has(perms, thread ? P.SEND_MESSAGES_IN_THREADS : P.SEND_MESSAGES);
  // The server wants READ_MESSAGE_HISTORY for a reply too.
  const canReply = canSend && (perms === -1n || has(perms, P.READ_MESSAGE_HISTORY));
  const canAttach = canSend && (perms === -1n || has(perms, P.ATTACH_FILES));
  const label = useStore((s) => channelLabel(s, channel));
  const drop = useFileDrop(channelId, canAttach, `${channel?.guild_id ? '#' : '@'}${label}`);
  if (!channel) return <main className="chat empty" aria-label="Chat">Channel not found.</main>;
  // Forum and media channels show their posts (Forum.tsx).
  if (guildId && (channel.type === 15 || channel.type === 16)) return <Suspense fallback={null}><ForumView guildId={guildId} channelId={channelId} /></Suspense>;

  return (
    <main className="chat" aria-label={`Chat in ${channel.guild_id ? '#' : ''}${label}`} {...drop.handlers}>
      {drop.overlay}
      <header className="chat-header">
        <button type="button" className="icon-button mobile-only" aria-label="Open navigation" onClick={() => ui.setDrawer('nav')}>
          <Icon name="menu" />
        </button>
        <h1 className="ellipsis">
          <span className="muted" aria-hidden="true"><ChannelIcon type={channel.type} inGuild={Boolean(channel.guild_id)} />{isVoiceLike(channel.type) || channel.type === ChannelType.GUILD_ANNOUNCEMENT ? '' : ' '}</span>
          {label}
        </h1>
        {channel.topic && <span className="topic ellipsis">{channel.topic}</span>}
        {channel.type === ChannelType.GUILD_VOICE && <VoiceStatusHeader channel={channel} perms={perms} />}
        <span className="grow" />
        {channel.type === ChannelType.GUILD_ANNOUNCEMENT && <FollowButton channel={channel} />}
        <ChannelNotificationButton channel={channel} />
        {guildId && (channel.type === ChannelType.GUILD_TEXT || channel.type === ChannelType.GUILD_ANNOUNCEMENT) && <ThreadsButton guildId={guildId} channelId={channelId} />}
        {thread && <ThreadHeaderActions channel={channel} canManage={perms === -1n || has(perms, P.MANAGE_THREADS)} />}
        <PinsButton channelId={channelId} />
        <SearchBox channelId={channelId} />
        {channel.type === ChannelType.GROUP_DM && (
          <>
            <button type="button" className="icon-button" aria-label="Rename group" title="Rename group" onClick={() => setGroupDialog('rename')}>
              <Icon name="edit" />
            </button>
            <button type="button" className="icon-button" aria-label="Leave group" title="Leave group" onClick={() => setGroupDialog('leave')}>
              <Icon name="close" />
            </button>
          </>
        )}
        {(guildId || channel.type === ChannelType.GROUP_DM) && (
          <button type="button" className="icon-button" aria-label="Toggle member list" aria-pressed={membersOpen} onClick={() => ui.toggleMembers()}>
            <Icon name="members" />
          </button>
        )}
      </header>
      {groupDialog === 'rename' && <RenameGroupDialog channelId={channelId} current={channel.name ?? ''} onClose={() => setGroupDialog(null)} />}
      {groupDialog === 'leave' && (
        <Confirm
          title={`Leave '${label}'`}
          body={<p>You won't be able to rejoin this group unless you are re-invited.</p>}
          confirmLabel="Leave Group"
          onClose={() => setGroupDialog(null)}
          onConfirm={async () => {
            try {
              await leaveGroupDm(channelId);
              navigate('/channels/@me');
            } catch (err) {
              setLoadError(errorText(err));
            }
          }}
        />
      )}
      {channel.type === ChannelType.GUILD_STAGE_VOICE && (
        <Suspense fallback={null}>
          <StageBar channelId={channelId} canModerate={canModerateStage(perms)} />
        </Suspense>
      )}
      {loadError && <p className="form-error pad" role="alert">{loadError}</p>}
      <MessageList
        key={channelId}
        channelId={channelId}
        guildId={guildId}
        canManage={perms === -1n ? false : has(perms, P.MANAGE_MESSAGES)}
        canReact={perms === -1n || has(perms, P.ADD_REACTIONS)}
        canReply={canReply}
        editingId={editingId}
        onEdit={setEditingId}
        onReply={setReplyTo}
      />
      <Composer
        channelId={channelId}
        label={label}
        isGuild={Boolean(guildId)}
        canSend={canSend}
        canAttach={canAttach}
        timedOutUntil={timedOutUntil}
        replyTo={replyTo}
        guildId={guildId}
        onCancelReply={() => setReplyTo(null)}
        onEditLast={() => {
          const list = store.state.messages[channelId]?.list ?? [];
          const last = [...list].reverse().find((m) => m.author.id === me?.id && !m.pending && !isSystemMessage(m));
          if (last) setEditingId(last.id);
        }}
      />
    </main>
  );
}

function RenameGroupDialog({ channelId, current, onClose }: { channelId: string; current: string; onClose: () => void }) {
  const [name, setName] = useState(current);
  const [error, setError] = useState('');
  return (
    <Modal title="Rename group" onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await renameGroupDm(channelId, name);
            onClose();
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        <label>
          Group name
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="Leave empty to list the members" />
        </label>
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="modal-actions">
          <button type="submit" className="button">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function useResolver(guildId: string | null): MentionResolver {
  const users = useStore((s) => s.users);
  const members = useStore((s) => (guildId ? s.members[guildId] : undefined));
  const guild = useStore((s) => (guildId ? s.guilds[guildId] : undefined));
  const channels = useStore((s) => s.channels);
  return useMemo(
    () => ({
      user: (id) => {
        const u = users[id] ?? members?.[id]?.user;
        return members?.[id]?.nick || u?.global_name || u?.username || null;
      },
      role: (id) => guild?.roles[id] ?? null,
      channel: (id) => channels[id]?.name ?? null,
      onUserClick: (id, el) => ui.openUser(id, guildId, el),
      onChannelClick: (id) => {
        const c = channels[id];
        if (c) navigate(`/channels/${c.guild_id ?? '@me'}/${id}`);
      },
    }),
    [users, members, guild, channels, guildId],
  );
}

/** The first message whose bottom is below the top of the scroller, and its offset from that top. */
function visibleAnchor(el: HTMLElement): { anchorId: string; anchorTop: number } {
  const top = el.getBoundingClientRect().top;
  const items = el.querySelectorAll<HTMLElement>('.message[data-message-id]');
  // Binary search: items are in document order, so their bottoms increase.
  let lo = 0;
  let hi = items.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].getBoundingClientRect().bottom > top) {
      found = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  if (found < 0) return { anchorId: '', anchorTop: 0 };
  return { anchorId: items[found].dataset.messageId ?? '', anchorTop: items[found].getBoundingClientRect().top - top };
}

/** Where each channel's history was scrolled, to put it back when the channel is opened again. */
interface ScrollPlace {
  anchorId: string;
  anchorTop: number;
  atBottom: boolean;
}
const scrollPlaces = new Map<string, ScrollPlace>();
const SCROLL_PLACES_MAX = 200;

function rememberPlace(channelId: string, place: ScrollPlace) {
  scrollPlaces.delete(channelId);
  scrollPlaces.set(channelId, place);
  if (scrollPlaces.size > SCROLL_PLACES_MAX) scrollPlaces.delete(scrollPlaces.keys().next().value!);
}

function MessageList(props: {
  channelId: string;
  guildId: string | null;
  canManage: boolean;
  canReact: boolean;
  canReply: boolean;
  editingId: string | null;
  onEdit(id: string | null): void;
  onReply(m: Message): void;
}) {
  const { channelId, guildId } = props;
  const cm = useStore((s) => s.messages[channelId]);
  const me = useStore((s) => s.me);
  const guild = useStore((s) => (guildId ? s.guilds[guildId] : undefined));
  const members = useStore((s) => (guildId ? s.members[guildId] : undefined));
  const users = useStore((s) => s.users);
  const channel = useStore((s) => s.channels[channelId]);
  const connected = useStore((s) => s.conn === 'ready');
  const resolver = useResolver(guildId);
  const scroller = useRef<HTMLDivElement>(null);
  // What the viewport showed after the last commit or scroll: the first visible message and its offset.
  // `restore`: put that message back where it was when the channel was last open (once it is rendered).
  const [saved] = useState(() => scrollPlaces.get(channelId));
  const snapshot = useRef({ anchorId: saved?.anchorId ?? '', anchorTop: saved?.anchorTop ?? 0, first: '', last: '', atBottom: saved?.atBottom ?? true, restore: Boolean(saved && !saved.atBottom) });
  const [atBottom, setAtBottom] = useState(saved?.atBottom ?? true);
  // Where "new messages" starts: the read state when the channel was opened (not updated while reading).
  const [readAtOpen] = useState(() => store.state.readStates[channelId] ?? null);
  const list = cm?.list ?? [];
  // Messages of users we block: each run collapsed into "N blocked messages — Show" until shown.
  const relationships = useStore((s) => s.relationships);
  const blockedRuns = useMemo(() => blockedRunsOf(list, relationships, isSystemMessage), [list, relationships]);
  const [shownBlocked, setShownBlocked] = useState<ReadonlySet<string>>(() => new Set());

  // Keep the view still when history is prepended (the first visible message stays at the same offset, even if
  // it lost its header by joining the group above it); follow new messages only when already at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const snap = snapshot.current;
    const first = list[0]?.id ?? '';
    const last = list[list.length - 1]?.id ?? '';
    const anchorOf = (id: string) => (id ? el.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(id)}"]`) : null);
    let atBottomNow = snap.atBottom;
    if (snap.restore) {
      if (!list.length) return; // not loaded yet: try again on the next commit
      const anchor = anchorOf(snap.anchorId);
      if (anchor) el.scrollTop += anchor.getBoundingClientRect().top - el.getBoundingClientRect().top - snap.anchorTop;
      else {
        // The message it was at is gone (deleted, or history reloaded): the newest messages, then.
        el.scrollTop = el.scrollHeight;
        atBottomNow = true;
        setAtBottom(true);
      }
    } else if (snap.first && first !== snap.first && last === snap.last && snap.anchorId) {
      const anchor = anchorOf(snap.anchorId);
      if (anchor) el.scrollTop += anchor.getBoundingClientRect().top - el.getBoundingClientRect().top - snap.anchorTop;
    } else if (snap.atBottom) {
      el.scrollTop = el.scrollHeight;
    }
    snapshot.current = { ...visibleAnchor(el), first, last, atBottom: atBottomNow, restore: false };
  });

  // Leaving the channel: remember the place.
  useEffect(
    () => () => {
      const { anchorId, anchorTop, atBottom: bottom } = snapshot.current;
      rememberPlace(channelId, { anchorId, anchorTop, atBottom: bottom || !anchorId });
    },
    [channelId],
  );

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el || snapshot.current.restore) return; // not yet: the remembered place is still to be put back
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_PX;
    snapshot.current = { ...snapshot.current, ...visibleAnchor(el), atBottom: bottom };
    setAtBottom(bottom);
    if (el.scrollTop < LOAD_OLDER_PX) void loadOlder(channelId);
  }, [channelId]);

  // A first page shorter than the viewport leaves nothing to scroll: keep loading until it fills or ends.
  useEffect(() => {
    const el = scroller.current;
    if (el && cm?.hasMore && !cm.loadingOlder && el.scrollHeight <= el.clientHeight + LOAD_OLDER_PX) void loadOlder(channelId);
  }, [cm, channelId]);

  // Mark read while the newest message is on screen and the tab is visible.
  const newest = [...list].reverse().find((m) => !m.pending);
  useEffect(() => {
    const maybeAck = () => {
      if (!newest || !atBottom || document.visibilityState !== 'visible' || !connected) return;
      ack(channelId, channel?.last_message_id && compareIds(channel.last_message_id, newest.id) > 0 ? channel.last_message_id : newest.id);
    };
    maybeAck();
    document.addEventListener('visibilitychange', maybeAck);
    window.addEventListener('focus', maybeAck);
    return () => {
      document.removeEventListener('visibilitychange', maybeAck);
      window.removeEventListener('focus', maybeAck);
    };
  }, [newest?.id, atBottom, channelId, channel?.last_message_id, connected]);

  /** Up/Down/Home/End between messages, Escape to the composer, Tab out of the history (one Tab stop). */
  const historyKeys = (e: React.KeyboardEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    const target = e.target as HTMLElement;
    const items = () => [...el.querySelectorAll<HTMLElement>('.messages > .message')];
    const current = target.closest<HTMLElement>('.message');
    const onItem = target === el || target === current;
    const move = (to: HTMLElement | undefined) => {
      if (!to) return;
      e.preventDefault();
      to.focus({ preventScroll: true });
      to.scrollIntoView({ block: 'nearest' });
    };
    if (e.key === 'Tab') {
      // Within a message Tab walks its controls; past its last one (or from the message itself) it leaves.
      const inner = current ? tabbables(current) : [];
      const i = inner.indexOf(target);
      if (!onItem && i >= 0 && (e.shiftKey ? i > 0 : i < inner.length - 1)) return;
      e.preventDefault();
      if (e.shiftKey && !onItem && current) return current.focus();
      const all = tabbables().filter((t) => t === el || !el.contains(t));
      const at = all.indexOf(el);
      all[e.shiftKey ? at - 1 : at + 1]?.focus();
      return;
    }
    if (e.key === 'Escape' && !e.defaultPrevented) {
      if (focusComposer()) e.preventDefault();
      return;
    }
    if (!onItem || e.altKey || e.ctrlKey || e.metaKey) return;
    const list = items();
    const i = current ? list.indexOf(current) : list.length;
    if (e.key === 'ArrowUp') move(list[Math.max(0, i - 1)]);
    else if (e.key === 'ArrowDown') move(list[Math.min(list.length - 1, i + 1)]);
    else if (e.key === 'Home' && current) move(list[0]);
    else if (e.key === 'End' && current) move(list[list.length - 1]);
  };

  const jumpToPresent = () => {
    const el = scroller.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' });
  };

  const name = (uid: string) => displayName({ ...store.state, users, members: guildId && members ? { [guildId]: members } : {} }, uid, guildId);
  let newDividerShown = false;

  return (
    <div className="history-wrap">
      <div
        className="history"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label="Messages"
        aria-busy={!cm || cm.loadingOlder}
        tabIndex={0}
        onKeyDown={historyKeys}
        onFocus={(e) => {
          // Shift+Tab from below lands on the last control inside the history: take it to the history instead.
          const el = e.currentTarget;
          if (e.target !== el && !el.contains(e.relatedTarget as Node | null) && focusCameFromTab(true)) el.focus();
        }}
      >
        <div className="history-top">
          {cm && !cm.hasMore ? (
            <div className="channel-start">
              <h2>Welcome to {channel?.guild_id ? `#${channel.name}` : channelLabel(store.state, channel)}!</h2>
              <p className="muted">This is the start of the conversation.</p>
            </div>
          ) : (
            <div className="history-loading" aria-hidden="true">
              {Array.from({ length: 3 }, (_, i) => (
                <div key={i} className="skeleton" />
              ))}
            </div>
          )}
        </div>
        <ol className="messages">
          {list.map((m, i) => {
            const run = blockedRuns[i];
            const runShown = run ? shownBlocked.has(run.firstId) : false;
            const blockedRow =
              run && run.start === i ? (
                <li className="blocked-messages" key={`blocked-${m.id}`}>
                  <span>{run.count === 1 ? '1 blocked message' : `${run.count} blocked messages`}</span>
                  {' — '}
                  <button
                    type="button"
                    className="link-button"
                    onClick={() =>
                      setShownBlocked((prevShown) => {
                        const next = new Set(prevShown);
                        if (runShown) next.delete(run.firstId);
                        else next.add(run.firstId);
                        return next;
                      })
                    }
                  >
                    {runShown ? 'Hide' : 'Show'}
                  </button>
                </li>
              ) : null;
            if (run && !runShown) return blockedRow;
            const prev = list[i - 1];
            const time = Date.parse(m.timestamp);
            const dayChange = prev && new Date(prev.timestamp).toDateString() !== new Date(m.timestamp).toDateString();
            const grouped =
              !!prev && !dayChange && prev.author.id === m.author.id && !m.referenced_message && m.message_reference === undefined && time - Date.parse(prev.timestamp) < GROUP_WINDOW_MS &&
              !isSystemMessage(m) && !isSystemMessage(prev) &&
              // A webhook posts under per-message names and avatars; an interaction reply carries its own header line.
              (!m.webhook_id || (prev.author.username === m.author.username && prev.author.avatar === m.author.avatar)) &&
              !m.interaction_metadata;
            let divider: React.ReactNode = null;
            if (!newDividerShown && readAtOpen && !m.pending && m.author.id !== me?.id && compareIds(m.id, readAtOpen) > 0 && prev && !prev.pending && compareIds(prev.id, readAtOpen) <= 0) {
              newDividerShown = true;
              divider = (
                <li className="divider new" key={`new-${m.id}`} aria-label="New messages">
                  <span>NEW</span>
                </li>
              );
            } else if (dayChange) {
              divider = (
                <li className="divider" key={`day-${m.id}`}>
                  <span>{new Date(m.timestamp).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' })}</span>
                </li>
              );
            }
            const mine = m.author.id === me?.id;
            const ref = m.referenced_message;
            return [
              divider,
              blockedRow,
              <MessageItem
                key={m.id}
                msg={m}
                grouped={grouped && !divider}
                authorName={name(m.author.id) === 'Unknown user' ? m.author.global_name || m.author.username : name(m.author.id)}
                authorStyle={nameStyle(topColoredRole(guild?.roles, members?.[m.author.id]?.roles ?? m.member?.roles))}
                mine={mine}
                canDelete={mine || props.canManage}
                canReact={props.canReact}
                canReply={props.canReply}
                editing={props.editingId === m.id}
                mentioned={mentionsMe(m, me?.id, me ? members?.[me.id]?.roles : undefined)}
                guildId={guildId}
                resolver={resolver}
                replyAuthorName={ref ? name(ref.author.id) : undefined}
                onReply={props.onReply}
                onEdit={props.onEdit}
              />,
            ];
          })}
        </ol>
      </div>
      <NewMessagesBar channelId={channelId} scroller={scroller} />
      {!atBottom && (
        <button type="button" className="jump-present" onClick={jumpToPresent}>
          Jump to present ↓
        </button>
      )}
    </div>
  );
}

function Composer(props: {
  channelId: string;
  guildId: string | null;
  label: string;
  isGuild: boolean;
  canSend: boolean;
  /** ATTACH_FILES as well: the upload button, drops and pasted files. */
  canAttach: boolean;
  /** Timed out in this guild until then (ms): the composer says so. */
  timedOutUntil?: number | null;
  replyTo: Message | null;
  onCancelReply(): void;
  onEditLast(): void;
}) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const autocomplete = useComposerAutocomplete({ textarea: ref, text, setText, channelId: props.channelId });
  // Slash commands: `/` opens the picker, a picked command replaces the box with its form.
  const commands = useCommandPicker({ textarea: ref, text, setText, channelId: props.channelId });
  const replyName = useStore((s) => (props.replyTo ? displayName(s, props.replyTo.author.id, props.guildId) : ''));
  const draft = useDraft(props.channelId);
  const uploading = draft.progress !== null;
  const hasFiles = draft.files.length > 0;

  useEffect(() => {
    setText('');
    setError('');
    if (matchMedia('(pointer: fine)').matches) ref.current?.focus();
  }, [props.channelId]);
  useEffect(() => {
    if (props.replyTo) ref.current?.focus();
  }, [props.replyTo]);

  async function submit() {
    const content = text.trim();
    const { files, progress } = draftOf(props.channelId);
    if (progress !== null) return;
    if (!content && !files.length) return;
    if (content.length > 2000) return setError(`Messages can be at most 2000 characters (this one has ${content.length}).`);
    setError('');
    const reply = props.replyTo;
    if (files.length) {
      // The text stays in the box until the files are through, so a failed upload loses nothing.
      let sent = false;
      try {
        const { sendFiles } = await import('../upload-send.ts');
        sent = await sendFiles(props.channelId, content, reply, (err) => errorText(err, 'content'));
      } catch (err) {
        setError(errorText(err));
      }
      if (sent) {
        setText((t) => (t.trim() === content ? '' : t));
        if (reply) props.onCancelReply();
      }
      return;
    }
    setText('');
    props.onCancelReply();
    try {
      await sendMessage(props.channelId, content, reply);
    } catch (err) {
      // AutoMod refused it: resending cannot help, so the text goes back into the box to be reworded.
      const blocked = blockedText(err);
      if (blocked) setText((t) => t || content);
      setError(blocked ?? errorText(err, 'content'));
    }
  }

  const placeholder = props.canSend
    ? `Message ${props.isGuild ? '#' : '@'}${props.label}`
    : props.timedOutUntil
      ? `You're timed out until ${new Date(props.timedOutUntil).toLocaleString()}: you can't send messages until then.`
      : 'You do not have permission to send messages in this channel.';
  return (
    <div className="composer-wrap">
      {autocomplete.popup}
      {commands.popup}
      <PendingFiles channelId={props.channelId} draft={draft} />
      {props.replyTo && (
        <div className="replying">
          Replying to <strong>{replyName}</strong>
          <button type="button" className="icon-button" aria-label="Cancel reply" onClick={props.onCancelReply}>
            <Icon name="close" size={16} />
          </button>
        </div>
      )}
      {commands.picked && (
        <Suspense fallback={null}>
          <CommandForm
            entry={commands.picked}
            channelId={props.channelId}
            guildId={props.guildId}
            onLeave={commands.leave}
            onSend={(values) => {
              const entry = commands.picked!;
              commands.leave();
              void runCommand(entry, props.channelId, props.guildId, values);
            }}
          />
        </Suspense>
      )}
      {!commands.picked && (
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <textarea
          ref={ref}
          id="composer"
          {...autocomplete.inputProps}
          {...commands.inputProps}
          aria-label={placeholder}
          placeholder={placeholder}
          disabled={!props.canSend}
          value={text}
          rows={1}
          style={{ height: `${Math.min(10, Math.max(1, text.split('\n').length)) * 1.375 + 1.4}rem` }}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value.trim()) sendTyping(props.channelId);
          }}
          onPaste={(e) => {
            // Pasted files (a copied file, a screenshot) join the message; pasted text is typed as usual.
            const files = props.canAttach ? filesOf(e.clipboardData) : [];
            if (!files.length) return;
            e.preventDefault();
            addFiles(props.channelId, files);
          }}
          onKeyDown={(e) => {
            if (commands.onKeyDown(e) || autocomplete.onKeyDown(e)) return;
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void submit();
            } else if (e.key === 'ArrowUp' && !text && !hasFiles) {
              e.preventDefault();
              props.onEditLast();
            } else if (e.key === 'Escape' && props.replyTo) {
              props.onCancelReply();
            }
          }}
        />
        {/* After the box in the Tab order (Shift+Tab from the box goes to the history), drawn on its left. */}
        {props.canAttach && <UploadButton channelId={props.channelId} disabled={uploading} />}
        {props.canSend && <PollButton channelId={props.channelId} />}
        {props.canSend && props.guildId && <StickerPickerButton guildId={props.guildId} channelId={props.channelId} />}
        {props.canSend && <ComposerEmojiButton textarea={ref} onChange={setText} guildId={props.guildId} />}
        <button type="submit" className="send-button" aria-label="Send message" disabled={!props.canSend || uploading || (!text.trim() && !hasFiles)}>
          <Icon name="send" />
        </button>
      </form>
      )}
      <CommandStatusLine channelId={props.channelId} />
      <TypingIndicator channelId={props.channelId} guildId={props.guildId} />
      {(error || draft.error) && (
        <p className="form-error small composer-error" role="alert" data-testid="composer-error">
          {error || draft.error}
          {!error && (
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => clearError(props.channelId)}>
              <Icon name="close" size={14} />
            </button>
          )}
        </p>
      )}
    </div>
  );
}

function TypingIndicator({ channelId, guildId }: { channelId: string; guildId: string | null }) {
  const typing = useStore((s) => s.typing[channelId]);
  const names = useStore((s) => s.users);
  const members = useStore((s) => (guildId ? s.members[guildId] : undefined));
  const now = Date.now();
  const who = Object.entries(typing ?? {})
    .filter(([, until]) => until > now)
    .map(([uid]) => members?.[uid]?.nick || names[uid]?.global_name || names[uid]?.username || 'Someone');
  let text = '';
  if (who.length === 1) text = `${who[0]} is typing…`;
  else if (who.length === 2) text = `${who[0]} and ${who[1]} are typing…`;
  else if (who.length === 3) text = `${who[0]}, ${who[1]} and ${who[2]} are typing…`;
  else if (who.length > 3) text = 'Several people are typing…';
  // Always rendered with a fixed height so the history above does not jump when someone starts typing.
  return (
    <div className="typing" aria-live="polite" data-testid="typing">
      {text && <span className="typing-dots" aria-hidden="true"><i /><i /><i /></span>}
      {text}
    </div>
  );
}

