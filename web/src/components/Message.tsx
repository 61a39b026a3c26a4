/**
 * One message: header (or grouped continuation), content as safe markdown, embeds, reply preview, reactions,
 * actions; or a system line (a group DM rename). Keyboard, as in Discord's client: with the message focused,
 * Enter moves into its actions (arrow keys along them), R replies, E edits one's own, Delete asks to delete.
 */
import { AUTOMOD_ACTION_MESSAGE_TYPE, alertFacts } from '../auto-moderation.ts';
import { useStore } from '../store.ts';
import { emojiUrl, toggleCustomReaction } from '../guild-emoji.ts';
import { MessageStickers } from './GuildStickers.tsx';
import { AnnouncementIcon, CrosspostNote, PublishAction } from './Announcements.tsx';
import { memo, useEffect, useRef, useState, type CSSProperties } from 'react';
import { arrowNavigate, focusComposer } from '../focus.ts';
import { Markdown, type MentionResolver } from '../markdown.tsx';
import { deleteMessage, discardMessage, editMessage, errorText, retryMessage, toggleReaction } from '../session.ts';
import { formatTimestamp } from '../time.ts';
import { MessageFlag, MessageType, type Message as Msg } from '../types.ts';
import { applyDispatch } from '../events.ts';
import { InteractionHeader, interactionHeaderOf } from './InteractionHeader.tsx';
import { ui } from '../ui.ts';
import { Attachments } from './Attachments.tsx';
import { Avatar } from './Avatar.tsx';
import { Embed } from './Embed.tsx';
import { ForwardAction, ForwardedSnapshot } from './Forward.tsx';
import { MessageComponents } from './MessageComponents.tsx';
import { PollView } from './Poll.tsx';
import { EmojiPickerPopover, preloadEmojiPicker } from './EmojiPickerPopover.tsx';
import { rememberEmoji } from '../emoji-prefs.ts';
import { Confirm } from './Modal.tsx';
import { Icon } from './Icon.tsx';
import { joinLine } from '../join-message.ts';
import { PinAction, PinnedLine } from './Pins.tsx';
import { POLL_RESULT, PollResultLine } from './PollResult.tsx';
import { CreateThreadAction } from './Threads.tsx';
import { MessageAppsButton } from './CommandMenus.tsx';

export { formatTimestamp };

export const QUICK_EMOJIS = ['👍', '❤️', '😂', '😮', '😢', '🎉', '🔥', '👀'];

/** Types drawn as a system line (no author header, no actions). */
export const isSystemMessage = (m: Pick<Msg, 'type'>) =>
  m.type === MessageType.CHANNEL_NAME_CHANGE || m.type === MessageType.CHANNEL_PINNED_MESSAGE || m.type === MessageType.CHANNEL_FOLLOW_ADD
  || m.type === MessageType.USER_JOIN;

export interface MessageProps {
  msg: Msg;
  grouped: boolean;
  authorName: string;
  /** The author's name in their top role's colors (role-style.ts). */
  authorStyle?: CSSProperties;
  mine: boolean;
  canDelete: boolean;
  canReact: boolean;
  /** Replying needs SEND_MESSAGES (and READ_MESSAGE_HISTORY) in the channel. */
  canReply: boolean;
  editing: boolean;
  /** The message mentions the viewer (mentions.ts): drawn highlighted, as Discord does. */
  mentioned?: boolean;
  guildId: string | null;
  resolver: MentionResolver;
  replyAuthorName?: string;
  onReply(msg: Msg): void;
  onEdit(id: string | null): void;
}

/**
 * A message a webhook sent as itself. An application's interaction replies carry the application's id as
 * `webhook_id`, which is also its bot user's id (the author): those are the bot's own messages, not a webhook's.
 */
export const isWebhookMessage = (m: Pick<Msg, 'webhook_id' | 'author' | 'application_id' | 'interaction_metadata'>) =>
  Boolean(m.webhook_id) && m.author.id === m.webhook_id && m.author.id !== m.application_id && !m.interaction_metadata;

export const MessageItem = memo(function MessageItem(p: MessageProps) {
  const { msg } = p;
  const flags = Number(msg.flags ?? 0);
  const ephemeral = (flags & MessageFlag.EPHEMERAL) !== 0;
  const loading = (flags & MessageFlag.LOADING) !== 0;
  // A webhook's message shows the name it was sent with (each message its own), and there is no profile to open.
  const webhook = isWebhookMessage(msg);
  const authorName = webhook ? msg.author.username : p.authorName;
  const header = interactionHeaderOf(msg);
  // An interaction's reply always starts with its header line, as on Discord.
  const grouped = p.grouped && !header;
  const [picker, setPicker] = useState(false);
  /** The full emoji picker, opened from the quick row's "More emoji". */
  const [fullPicker, setFullPicker] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState('');
  const openUser = (el: HTMLElement) => !webhook && ui.openUser(msg.author.id, p.guildId, el);
  const run = (fn: () => Promise<unknown>) => fn().catch((err) => setError(errorText(err)));
  const time = formatTimestamp(msg.timestamp);
  const reactButton = useRef<HTMLButtonElement>(null);

  if (msg.type === MessageType.CHANNEL_PINNED_MESSAGE) return <PinnedLine msg={msg} authorName={p.authorName} time={time} />;
  if (msg.type === POLL_RESULT) return <PollResultLine msg={msg} authorName={p.authorName} time={time} />;
  if (msg.type === AUTOMOD_ACTION_MESSAGE_TYPE) return <AutoModAlertLine msg={msg} authorName={p.authorName} time={time} onOpen={(el) => ui.openUser(msg.author.id, p.guildId, el)} />;
  if (msg.type === MessageType.USER_JOIN) return <JoinLine msg={msg} authorName={p.authorName} time={time} onOpen={(el) => ui.openUser(msg.author.id, p.guildId, el)} />;
  if (isSystemMessage(msg)) return <SystemLine msg={msg} authorName={p.authorName} time={time} />;

  // A Components V2 message is its layout: files it does not show "won't show by default", and it has no text to edit.
  const layoutOnly = (flags & MessageFlag.IS_COMPONENTS_V2) !== 0;
  const embeds = Array.isArray(msg.embeds) ? msg.embeds : [];
  const attachments = Array.isArray(msg.attachments) && !layoutOnly ? msg.attachments : [];
  // An ephemeral message exists only in this client: nothing to react to, reply to, pin or delete on the server.
  const actionable = !msg.pending && !p.editing && !ephemeral;
  const onKeyDown = (e: React.KeyboardEvent<HTMLLIElement>) => {
    if (e.target !== e.currentTarget || !actionable || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'Enter') {
      e.preventDefault();
      e.currentTarget.querySelector<HTMLElement>('.message-actions button')?.focus();
    } else if ((e.key === 'r' || e.key === 'R') && p.canReply) {
      e.preventDefault();
      p.onReply(msg);
    } else if ((e.key === 'e' || e.key === 'E') && p.mine) {
      e.preventDefault();
      p.onEdit(msg.id);
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && p.canDelete) {
      e.preventDefault();
      setConfirm(true);
    }
  };

  return (
    <li
      className={`message${grouped ? ' grouped' : ''}${ephemeral ? ' ephemeral' : ''}${msg.pending ? ` pending ${msg.pending}` : ''}${p.editing ? ' editing' : ''}${p.mentioned ? ' mentioned' : ''}`}
      data-message-id={msg.id}
      aria-label={`${authorName}, ${time}${p.mentioned ? ', mentions you' : ''}`}
      tabIndex={-1}
      onKeyDown={onKeyDown}
    >
      {header && <InteractionHeader header={header} guildId={p.guildId} />}
      {msg.referenced_message !== undefined && (
        <div className="reply-preview">
          <span className="reply-spine" aria-hidden="true" />
          {msg.referenced_message ? (
            <>
              <strong>@{p.replyAuthorName}</strong>{' '}
              <span className="ellipsis">
                {msg.referenced_message.content ||
                  (msg.referenced_message.attachments?.length ? <em>Click to see attachment</em> : msg.referenced_message.embeds?.length ? <em>Embed</em> : '')}
              </span>
            </>
          ) : (
            <em className="muted">Original message was deleted</em>
          )}
        </div>
      )}
      {grouped ? (
        <time className="gutter-time" dateTime={msg.timestamp} title={time}>
          {formatTimestamp(msg.timestamp, true)}
        </time>
      ) : webhook ? (
        <span className="avatar-button webhook-avatar">
          <Avatar user={msg.author} size={40} />
        </span>
      ) : (
        <button type="button" className="avatar-button" aria-label={`Profile of ${authorName}`} onClick={(e) => openUser(e.currentTarget)}>
          <Avatar user={msg.author} size={40} guildId={p.guildId} />
        </button>
      )}
      <div className="message-main">
        {!grouped && (
          <h3 className="message-header">
            {webhook ? (
              <span className="author webhook-author">{authorName}</span>
            ) : (
              <button type="button" className="author" style={p.authorStyle} onClick={(e) => openUser(e.currentTarget)}>
                {authorName}
              </button>
            )}
            {/* Discord's client tags applications' bots and webhooks alike "APP" (it said "BOT" before 2024). */}
            {msg.author.bot && <span className="tag">APP</span>}
            <CrosspostNote msg={msg} />
            <time dateTime={msg.timestamp} className="timestamp" title={new Date(msg.timestamp).toLocaleString()}>
              {time}
            </time>
          </h3>
        )}
        {p.editing ? (
          <EditBox msg={msg} onDone={() => p.onEdit(null)} />
        ) : loading ? (
          // A deferred response: the application's LOADING message until its edit fills it (MESSAGE_UPDATE).
          <div className="message-content message-loading" role="status">
            <span className="thinking-dots" aria-hidden="true" />
            {authorName} is thinking…
          </div>
        ) : (
          !layoutOnly && (msg.content || msg.edited_timestamp || (!embeds.length && !attachments.length && !msg.components?.length && !msg.sticker_items?.length && !msg.message_snapshots?.length)) && (
            <div className="message-content">
              <Markdown content={msg.content} resolver={p.resolver} />
              {msg.edited_timestamp && (
                <span className="edited" title={new Date(msg.edited_timestamp).toLocaleString()}>
                  {' '}
                  (edited)
                </span>
              )}
            </div>
          )
        )}
        {!p.editing && <ForwardedSnapshot msg={msg} resolver={p.resolver} />}
        {attachments.length > 0 && !p.editing && <Attachments attachments={attachments} />}
        {msg.sticker_items && msg.sticker_items.length > 0 && !p.editing && <MessageStickers items={msg.sticker_items} />}
        {embeds.length > 0 && (
          <div className="embeds">
            {embeds.map((e, i) => (
              <Embed key={i} embed={e} resolver={p.resolver} />
            ))}
          </div>
        )}
        {msg.poll && !p.editing && <PollView msg={msg} mine={p.mine} />}
        {!p.editing && <MessageComponents msg={msg} resolver={p.resolver} />}
        {ephemeral && (
          <div className="ephemeral-note small">
            <Icon name="eye" size={16} /> Only you can see this •{' '}
            <button type="button" className="link-button" onClick={() => applyDispatch('MESSAGE_DELETE', { id: msg.id, channel_id: msg.channel_id })}>
              Dismiss message
            </button>
          </div>
        )}
        {msg.pending === 'failed' && (
          <div className="send-failed" role="alert">
            Message failed to send.{' '}
            <button type="button" className="link-button" onClick={() => run(() => retryMessage(msg))}>
              Retry
            </button>{' '}
            <button type="button" className="link-button" onClick={() => discardMessage(msg)}>
              Discard
            </button>
          </div>
        )}
        {error && (
          <div className="form-error small" role="alert">
            {error}
          </div>
        )}
        {!!msg.reactions?.length && (
          <div className="reactions" role="group" aria-label="Reactions">
            {msg.reactions.map((r) => {
              const name = r.emoji.name ?? '?';
              return (
                <button
                  key={r.emoji.id ?? name}
                  type="button"
                  className={r.me ? 'reaction me' : 'reaction'}
                  aria-pressed={r.me}
                  aria-label={`${name} reaction, ${r.count}${r.me ? ', you reacted' : ''}`}
                  disabled={!p.canReact && !r.me}
                  onClick={() => run(() => (r.emoji.id ? toggleCustomReaction(msg, { id: r.emoji.id, name }, !r.me) : toggleReaction(msg, name)))}
                >
                  {r.emoji.id ? (
                    <img className="md-emoji-custom" src={emojiUrl(r.emoji.id, Boolean(r.emoji.animated), 16)} alt={`:${name}:`} aria-hidden="true" />
                  ) : (
                    <span aria-hidden="true">{name}</span>
                  )}{' '}
                  <span className="count">{r.count}</span>
                </button>
              );
            })}
          </div>
        )}
      </div>
      {actionable && (
        <div
          className="message-actions"
          role="toolbar"
          aria-label="Message actions"
          onKeyDown={(e) => {
            if (e.target instanceof HTMLElement && e.target.closest('.emoji-picker')) return;
            arrowNavigate(e, { items: ':scope > button', orientation: 'horizontal' });
          }}
        >
          {p.canReact && (
            <button ref={reactButton} type="button" className="icon-button" aria-label="Add reaction" aria-haspopup="menu" aria-expanded={picker || fullPicker} onClick={() => (fullPicker ? setFullPicker(false) : setPicker((x) => !x))}>
              <Icon name="smile" />
            </button>
          )}
          {p.canReply && (
            <button type="button" className="icon-button" aria-label="Reply" onClick={() => p.onReply(msg)}>
              <Icon name="reply" />
            </button>
          )}
          <PinAction msg={msg} run={run} />
          <CreateThreadAction msg={msg} />
          <PublishAction msg={msg} run={run} />
          <ForwardAction msg={msg} />
          <MessageAppsButton msg={msg} guildId={p.guildId} />
          {p.mine && !layoutOnly && (
            <button type="button" className="icon-button" aria-label="Edit message" onClick={() => p.onEdit(msg.id)}>
              <Icon name="edit" />
            </button>
          )}
          {p.canDelete && (
            <button
              type="button"
              className="icon-button danger"
              aria-label="Delete message"
              onClick={(e) => (e.shiftKey ? run(() => deleteMessage(msg)) : setConfirm(true))}
            >
              <Icon name="trash" />
            </button>
          )}
          {picker && (
            <EmojiPicker
              onPick={(emoji) => {
                setPicker(false);
                rememberEmoji(emoji);
                const existing = msg.reactions?.find((r) => r.emoji.name === emoji);
                if (!existing?.me) void run(() => toggleReaction(msg, emoji));
              }}
              onMore={() => {
                setPicker(false);
                setFullPicker(true);
              }}
              onClose={(returnFocus) => {
                setPicker(false);
                if (returnFocus) reactButton.current?.focus();
              }}
            />
          )}
          {fullPicker && (
            <EmojiPickerPopover
              label="Pick a reaction"
              anchor={reactButton.current}
              onPick={(emoji, keepOpen) => {
                if (!keepOpen) {
                  setFullPicker(false);
                  reactButton.current?.focus();
                }
                const existing = msg.reactions?.find((r) => r.emoji.name === emoji);
                if (!existing?.me) void run(() => toggleReaction(msg, emoji));
              }}
              guildId={p.guildId}
              onPickCustom={(emoji, keepOpen) => {
                if (!keepOpen) {
                  setFullPicker(false);
                  reactButton.current?.focus();
                }
                const existing = msg.reactions?.find((r) => r.emoji.id === emoji.id);
                if (!existing?.me) void run(() => toggleCustomReaction(msg, emoji, true));
              }}
              onClose={(returnFocus) => {
                setFullPicker(false);
                if (returnFocus) reactButton.current?.focus();
              }}
            />
          )}
        </div>
      )}
      {confirm && (
        <Confirm
          title="Delete Message"
          body={<p>Are you sure you want to delete this message? (Shift-click the delete button to skip this.)</p>}
          confirmLabel="Delete"
          onClose={() => setConfirm(false)}
          onConfirm={async () => void (await run(() => deleteMessage(msg)))}
        />
      )}
    </li>
  );
});

const PICKER_COLUMNS = 4;

function EmojiPicker({ onPick, onMore, onClose }: { onPick: (e: string) => void; onMore: () => void; onClose: (returnFocus: boolean) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    // Opening the quick row is a hint that the full picker may follow.
    preloadEmojiPicker().catch(() => {});
    const onDoc = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && closeRef.current(false);
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, []);
  return (
    <div
      className="emoji-picker"
      role="menu"
      aria-label="Pick a reaction"
      ref={ref}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Tab') return closeRef.current(false);
        arrowNavigate(e, { items: '[role="menuitem"]', orientation: 'grid', columns: PICKER_COLUMNS, onEscape: () => closeRef.current(true) });
      }}
    >
      {QUICK_EMOJIS.map((e) => (
        <button key={e} type="button" role="menuitem" aria-label={`React with ${e}`} onClick={() => onPick(e)}>
          {e}
        </button>
      ))}
      <button type="button" role="menuitem" className="emoji-more" aria-label="More emoji" title="More emoji" onClick={onMore}>
        <Icon name="plus" size={18} />
      </button>
    </div>
  );
}

function EditBox({ msg, onDone: close }: { msg: Msg; onDone: () => void }) {
  const [text, setText] = useState(msg.content);
  const attachments = Array.isArray(msg.attachments) ? msg.attachments : [];
  // Attachments to keep: removing one while editing drops it from the message (Discord's `attachments` list).
  const [kept, setKept] = useState(() => attachments.map((a) => a.id));
  // Done editing: back to the message box, as in Discord (focus would otherwise go down with the edit box).
  const onDone = () => {
    const hadFocus = ref.current?.closest('.edit-box')?.contains(document.activeElement);
    close();
    if (hadFocus) setTimeout(focusComposer);
  };
  const [error, setError] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current!;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  async function save() {
    const content = text.trim();
    const removing = kept.length !== attachments.length;
    if (content === msg.content && !removing) return onDone();
    if (!content && !kept.length) return setError('A message cannot be empty; delete it instead.');
    try {
      await editMessage(msg, content, removing ? kept : undefined);
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <div className="edit-box">
      <textarea
        ref={ref}
        aria-label="Edit message"
        value={text}
        rows={Math.min(8, text.split('\n').length)}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          } else if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void save();
          }
        }}
      />
      {attachments.length > 0 && (
        <ul className="edit-attachments" aria-label="Attachments">
          {attachments
            .filter((a) => kept.includes(a.id))
            .map((a) => (
              <li key={a.id} className="edit-attachment">
                <span className="ellipsis">{a.filename}</span>
                <button type="button" className="icon-button danger" aria-label={`Remove attachment ${a.filename}`} onClick={() => setKept((k) => k.filter((id) => id !== a.id))}>
                  <Icon name="trash" size={16} />
                </button>
              </li>
            ))}
        </ul>
      )}
      <div className="small muted">
        escape to <button type="button" className="link-button" onClick={onDone}>cancel</button> • enter to{' '}
        <button type="button" className="link-button" onClick={() => void save()}>save</button>
      </div>
      {error && <div className="form-error small" role="alert">{error}</div>}
    </div>
  );
}

/** A system message: an icon, who did what, and when (no header, no actions). */
/** A join message: a welcome line around the member's name (join-message.ts), which opens their profile. */
function JoinLine({ msg, authorName, time, onOpen }: { msg: Msg; authorName: string; time: string; onOpen(el: HTMLElement): void }) {
  const { before, after } = joinLine(msg.id);
  return (
    <li className="message system join" data-message-id={msg.id} aria-label={`${before}${authorName}${after} ${time}`} tabIndex={-1}>
      <span className="system-icon join-icon" aria-hidden="true">
        <Icon name="arrowRight" size={16} />
      </span>
      <div className="message-main">
        {before}
        <button type="button" className="link-button author-plain" onClick={(e) => onOpen(e.currentTarget)}>
          {authorName}
        </button>
        {after}{' '}
        <time dateTime={msg.timestamp} className="timestamp" title={new Date(msg.timestamp).toLocaleString()}>
          {time}
        </time>
      </div>
    </li>
  );
}

/**
 * An AutoMod alert (type 24) in the channel a rule alerts: who was caught, where, the message as they wrote it, and
 * the rule and word that caught it, from the alert's auto_moderation_message embed (auto-moderation.ts).
 */
function AutoModAlertLine({ msg, authorName, time, onOpen }: { msg: Msg; authorName: string; time: string; onOpen(el: HTMLElement): void }) {
  const facts = alertFacts(msg);
  const channelName = useStore((s) => (facts.channel_id ? s.channels[facts.channel_id]?.name : undefined));
  const verb = facts.decision_outcome === 'flagged' ? 'flagged' : 'blocked';
  return (
    <li className="message system automod-alert-line" data-message-id={msg.id} aria-label={`AutoMod ${verb} a message from ${authorName}, ${time}`} tabIndex={-1}>
      <span className="system-icon" aria-hidden="true">
        <Icon name="eye" size={16} />
      </span>
      <div className="message-main">
        <strong>AutoMod</strong> has {verb} a message from{' '}
        <button type="button" className="link-button author-plain" onClick={(e) => onOpen(e.currentTarget)}>
          {authorName}
        </button>
        {channelName ? ` in #${channelName}` : ''}{' '}
        <time dateTime={msg.timestamp} className="timestamp" title={new Date(msg.timestamp).toLocaleString()}>
          {time}
        </time>
        <div className="automod-alert">
          <blockquote>{msg.content}</blockquote>
          <div className="muted small">
            Rule: {facts.rule_name ?? 'unknown'}
            {facts.keyword ? ` · Keyword: ${facts.keyword}` : ''}
            {facts.keyword_matched_content ? ` · Matched: ${facts.keyword_matched_content}` : ''}
          </div>
        </div>
      </div>
    </li>
  );
}

function SystemLine({ msg, authorName, time }: { msg: Msg; authorName: string; time: string }) {
  return (
    <li className="message system" data-message-id={msg.id} aria-label={`${authorName}, ${time}`} tabIndex={-1}>
      <span className="system-icon" aria-hidden="true">
        {msg.type === MessageType.CHANNEL_FOLLOW_ADD ? <AnnouncementIcon size={16} /> : <Icon name="edit" size={16} />}
      </span>
      <div className="message-main">
        {msg.type === MessageType.CHANNEL_FOLLOW_ADD ? (
          <>
            <strong className="author-plain">{authorName}</strong> has added <strong>{msg.content}</strong> to this channel. Its most important updates will show up here.{' '}
          </>
        ) : (
          <>
            <strong className="author-plain">{authorName}</strong> changed the channel name: <strong>{msg.content}</strong>{' '}
          </>
        )}
        <time dateTime={msg.timestamp} className="timestamp" title={new Date(msg.timestamp).toLocaleString()}>
          {time}
        </time>
      </div>
    </li>
  );
}
