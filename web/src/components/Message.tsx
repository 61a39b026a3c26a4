/** One message: header (or grouped continuation), content as safe markdown, reply preview, reactions, actions. */
import { memo, useEffect, useRef, useState } from 'react';
import { Markdown, type MentionResolver } from '../markdown.tsx';
import { deleteMessage, discardMessage, editMessage, errorText, retryMessage, toggleReaction } from '../session.ts';
import type { Message as Msg } from '../types.ts';
import { ui } from '../ui.ts';
import { Avatar } from './Avatar.tsx';
import { Confirm } from './Modal.tsx';
import { Icon } from './Icon.tsx';

export const QUICK_EMOJIS = ['👍', '❤️', '😂', '😮', '😢', '🎉', '🔥', '👀'];

export function formatTimestamp(iso: string, compact = false): string {
  const d = new Date(iso);
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (compact) return time;
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return `Today at ${time}`;
  if (d.toDateString() === yesterday.toDateString()) return `Yesterday at ${time}`;
  return `${d.toLocaleDateString()} ${time}`;
}

export interface MessageProps {
  msg: Msg;
  grouped: boolean;
  authorName: string;
  authorColor?: string;
  mine: boolean;
  canDelete: boolean;
  canReact: boolean;
  editing: boolean;
  guildId: string | null;
  resolver: MentionResolver;
  replyAuthorName?: string;
  onReply(msg: Msg): void;
  onEdit(id: string | null): void;
}

export const MessageItem = memo(function MessageItem(p: MessageProps) {
  const { msg } = p;
  const [picker, setPicker] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState('');
  const openUser = (el: HTMLElement) => ui.openUser(msg.author.id, p.guildId, el);
  const run = (fn: () => Promise<unknown>) => fn().catch((err) => setError(errorText(err)));
  const time = formatTimestamp(msg.timestamp);

  return (
    <li
      className={`message${p.grouped ? ' grouped' : ''}${msg.pending ? ` pending ${msg.pending}` : ''}${p.editing ? ' editing' : ''}`}
      data-message-id={msg.id}
      aria-label={`${p.authorName}, ${time}`}
      tabIndex={-1}
    >
      {msg.referenced_message !== undefined && (
        <div className="reply-preview">
          <span className="reply-spine" aria-hidden="true" />
          {msg.referenced_message ? (
            <>
              <strong>@{p.replyAuthorName}</strong> <span className="ellipsis">{msg.referenced_message.content}</span>
            </>
          ) : (
            <em className="muted">Original message was deleted</em>
          )}
        </div>
      )}
      {p.grouped ? (
        <time className="gutter-time" dateTime={msg.timestamp} title={time}>
          {formatTimestamp(msg.timestamp, true)}
        </time>
      ) : (
        <button type="button" className="avatar-button" aria-label={`Profile of ${p.authorName}`} onClick={(e) => openUser(e.currentTarget)}>
          <Avatar user={msg.author} size={40} />
        </button>
      )}
      <div className="message-main">
        {!p.grouped && (
          <h3 className="message-header">
            <button type="button" className="author" style={p.authorColor ? { color: p.authorColor } : undefined} onClick={(e) => openUser(e.currentTarget)}>
              {p.authorName}
            </button>
            {msg.author.bot && <span className="tag">BOT</span>}
            <time dateTime={msg.timestamp} className="timestamp" title={new Date(msg.timestamp).toLocaleString()}>
              {time}
            </time>
          </h3>
        )}
        {p.editing ? (
          <EditBox msg={msg} onDone={() => p.onEdit(null)} />
        ) : (
          <div className="message-content">
            <Markdown content={msg.content} resolver={p.resolver} />
            {msg.edited_timestamp && (
              <span className="edited" title={new Date(msg.edited_timestamp).toLocaleString()}>
                {' '}
                (edited)
              </span>
            )}
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
                  onClick={() => run(() => toggleReaction(msg, name))}
                >
                  <span aria-hidden="true">{name}</span> <span className="count">{r.count}</span>
                </button>
              );
            })}
          </div>
        )}
      </div>
      {!msg.pending && !p.editing && (
        <div className="message-actions" role="toolbar" aria-label="Message actions">
          {p.canReact && (
            <button type="button" className="icon-button" aria-label="Add reaction" aria-expanded={picker} onClick={() => setPicker((x) => !x)}>
              <Icon name="smile" />
            </button>
          )}
          <button type="button" className="icon-button" aria-label="Reply" onClick={() => p.onReply(msg)}>
            <Icon name="reply" />
          </button>
          {p.mine && (
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
                const existing = msg.reactions?.find((r) => r.emoji.name === emoji);
                if (!existing?.me) void run(() => toggleReaction(msg, emoji));
              }}
              onClose={() => setPicker(false)}
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

function EmojiPicker({ onPick, onClose }: { onPick: (e: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const onDoc = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && onClose();
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [onClose]);
  return (
    <div className="emoji-picker" role="menu" aria-label="Pick a reaction" ref={ref} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      {QUICK_EMOJIS.map((e) => (
        <button key={e} type="button" role="menuitem" aria-label={`React with ${e}`} onClick={() => onPick(e)}>
          {e}
        </button>
      ))}
    </div>
  );
}

function EditBox({ msg, onDone }: { msg: Msg; onDone: () => void }) {
  const [text, setText] = useState(msg.content);
  const [error, setError] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current!;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  async function save() {
    const content = text.trim();
    if (content === msg.content) return onDone();
    if (!content) return setError('A message cannot be empty; delete it instead.');
    try {
      await editMessage(msg, content);
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
      <div className="small muted">
        escape to <button type="button" className="link-button" onClick={onDone}>cancel</button> • enter to{' '}
        <button type="button" className="link-button" onClick={() => void save()}>save</button>
      </div>
      {error && <div className="form-error small" role="alert">{error}</div>}
    </div>
  );
}
