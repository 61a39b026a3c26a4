/**
 * Forwards in the web client: "Forward" in a message's actions opens a dialog to pick a direct message or a
 * channel (forwards.ts), and a forward is drawn as Discord draws it: a "Forwarded" bar over the original's
 * content, files, stickers and embeds as they were when it was forwarded.
 */
import { useMemo, useState } from 'react';
import { canForward, forwardMessage, forwardTargets } from '../forwards.ts';
import { Markdown, type MentionResolver } from '../markdown.tsx';
import { errorText } from '../session.ts';
import { store, useStore } from '../store.ts';
import { MessageFlag, type Message, type V2Node } from '../types.ts';
import { Attachments } from './Attachments.tsx';
import { Embed } from './Embed.tsx';
import { MessageStickers } from './GuildStickers.tsx';
import { Icon } from './Icon.tsx';
import { Modal } from './Modal.tsx';
import { LayoutV2 } from './ComponentsV2.tsx';

/** "Forward" in the message's actions. */
export function ForwardAction({ msg }: { msg: Message }) {
  const [open, setOpen] = useState(false);
  if (!canForward(msg)) return null;
  return (
    <>
      <button type="button" className="icon-button forward-action" aria-label="Forward" title="Forward" onClick={() => setOpen(true)}>
        <Icon name="forward" />
      </button>
      {open && <ForwardDialog msg={msg} onClose={() => setOpen(false)} />}
    </>
  );
}

function ForwardDialog({ msg, onClose }: { msg: Message; onClose(): void }) {
  const guilds = useStore((s) => s.guilds);
  const channels = useStore((s) => s.channels);
  const groups = useMemo(() => forwardTargets(store.state), [guilds, channels]);
  const [to, setTo] = useState(groups[0]?.targets[0]?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');

  const submit = async (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (!to || busy) return;
    setBusy(true);
    setError('');
    try {
      await forwardMessage(msg, to);
      const label = groups.flatMap((g) => g.targets).find((t) => t.id === to)?.label ?? '';
      setDone(`Forwarded to ${label}.`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Forward message" onClose={onClose}>
      {groups.length === 0 ? (
        <p className="muted">There is nowhere you may send messages to.</p>
      ) : done ? (
        <>
          <p role="status">{done}</p>
          <div className="modal-actions">
            <button type="button" className="button" onClick={onClose}>Done</button>
          </div>
        </>
      ) : (
        <form className="stack" onSubmit={submit}>
          <p className="muted small">The message is posted where you pick, as it is now; later edits of it do not follow.</p>
          <label>
            Forward to
            <select value={to} onChange={(e) => setTo(e.currentTarget.value)}>
              {groups.map((g) => (
                <optgroup key={g.group} label={g.group}>
                  {g.targets.map((t) => (
                    <option key={t.id} value={t.id}>{t.label}</option>
                  ))}
                </optgroup>
              ))}
            </select>
          </label>
          {error && <p className="error" role="alert">{error}</p>}
          <div className="modal-actions">
            <button type="button" className="button secondary" onClick={onClose}>Cancel</button>
            <button type="submit" className="button" disabled={busy || !to}>Forward</button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/** The forwarded message inside a forward. */
export function ForwardedSnapshot({ msg, resolver }: { msg: Message; resolver: MentionResolver }) {
  const snapshot = msg.message_snapshots?.[0]?.message;
  if (!snapshot) return null;
  const attachments = Array.isArray(snapshot.attachments) ? snapshot.attachments : [];
  const embeds = Array.isArray(snapshot.embeds) ? snapshot.embeds : [];
  return (
    <div className="forwarded" role="group" aria-label="Forwarded message">
      <div className="forwarded-label muted small">
        <Icon name="forward" size={14} /> <em>Forwarded</em>
      </div>
      {snapshot.content && (
        <div className="message-content">
          <Markdown content={snapshot.content} resolver={resolver} />
        </div>
      )}
      {attachments.length > 0 && <Attachments attachments={attachments} />}
      {snapshot.sticker_items && snapshot.sticker_items.length > 0 && <MessageStickers items={snapshot.sticker_items} />}
      {embeds.length > 0 && (
        <div className="embeds">
          {embeds.map((e, i) => (
            <Embed key={i} embed={e} resolver={resolver} />
          ))}
        </div>
      )}
      {/* A forwarded Components V2 layout is shown, its buttons and selects left out: they belong to the original. */}
      {((snapshot.flags ?? 0) & MessageFlag.IS_COMPONENTS_V2) !== 0 && Array.isArray(snapshot.components) && (
        <div className="message-components v2">
          <LayoutV2 nodes={snapshot.components as unknown as V2Node[]} row={() => null} button={() => null} resolver={resolver} />
        </div>
      )}
      <time className="muted small" dateTime={snapshot.timestamp}>{new Date(snapshot.timestamp).toLocaleString()}</time>
    </div>
  );
}
