/**
 * USER and MESSAGE commands, where Discord's client offers them: a member's context menu lists the channel's
 * USER commands under "Apps", a message's "Apps" button its MESSAGE commands. Choosing one sends it with the
 * member or message as `target_id` (commands.ts); the channel's composer shows how it goes (CommandStatus.tsx).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { CommandType, commandEntries, loadCommandIndex, type CommandEntry } from '../commands.ts';
import { arrowNavigate } from '../focus.ts';
import { parseRoute, usePath } from '../router.ts';
import type { Message } from '../types.ts';
import { runCommand } from './CommandStatus.tsx';

/** The channel's commands of one type (USER or MESSAGE), read from its command index. */
function useTypedCommands(channelId: string | null, type: number, enabled = true): CommandEntry[] {
  const [entries, setEntries] = useState<CommandEntry[]>([]);
  useEffect(() => {
    if (!channelId || !enabled) return;
    let live = true;
    loadCommandIndex(channelId).then(
      (index) => live && setEntries(commandEntries(index, type)),
      () => live && setEntries([]),
    );
    return () => {
      live = false;
    };
  }, [channelId, type, enabled]);
  return entries;
}

/** The "Apps" items of a member's context menu: USER commands run on that member in the open channel. */
export function MemberAppItems({ guildId, userId, onDone }: { guildId: string; userId: string; onDone(): void }) {
  const route = parseRoute(usePath());
  const channelId = route.name === 'channels' && route.guildId === guildId ? route.channelId : null;
  const entries = useTypedCommands(channelId, CommandType.USER);
  if (!channelId || !entries.length) return null;
  return (
    <>
      <div className="menu-separator" role="separator" />
      <div role="group" aria-label="Apps" className="menu-group">
        <div className="menu-group-label" aria-hidden="true">
          Apps
        </div>
        {entries.map((e) => (
          <button
            key={e.key}
            type="button"
            role="menuitem"
            title={e.app.name}
            onClick={() => {
              onDone();
              void runCommand(e, channelId, guildId, {}, userId);
            }}
          >
            {e.label}
          </button>
        ))}
      </div>
    </>
  );
}

/** A message toolbar button opening its MESSAGE commands (shown only when the channel has some). */
export function MessageAppsButton({ msg, guildId }: { msg: Message; guildId: string | null }) {
  const entries = useTypedCommands(msg.channel_id, CommandType.MESSAGE);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ left: number; top: number } | null>(null);
  // A fixed menu under the button (above it when there is no room below), kept inside the window.
  useLayoutEffect(() => {
    if (!open) return setPos(null);
    const b = button.current!.getBoundingClientRect();
    const m = menu.current!.getBoundingClientRect();
    const below = b.bottom + 4;
    const top = below + m.height <= window.innerHeight - 8 ? below : Math.max(8, b.top - 4 - m.height);
    setPos({ left: Math.max(8, Math.min(b.right - m.width, window.innerWidth - m.width - 8)), top });
  }, [open]);
  useEffect(() => {
    if (pos) menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [pos]);
  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => !menu.current?.contains(e.target as Node) && e.target !== button.current && setOpen(false);
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);
  if (!entries.length || msg.pending) return null;
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  return (
    <>
      <button ref={button} type="button" className="icon-button" aria-label="Apps" title="Apps" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen((x) => !x)}>
        <span aria-hidden="true">⚡</span>
      </button>
      {open && (
        <div
          ref={menu}
          className="context-menu"
          role="menu"
          style={pos ?? { visibility: 'hidden' }}
          aria-label="Apps"
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === 'Tab') {
              e.preventDefault();
              return close();
            }
            arrowNavigate(e, { items: '[role="menuitem"]', orientation: 'vertical', onEscape: close });
          }}
        >
          {entries.map((e) => (
            <button
              key={e.key}
              type="button"
              role="menuitem"
              title={e.app.name}
              onClick={() => {
                close();
                void runCommand(e, msg.channel_id, guildId ?? msg.guild_id ?? null, {}, msg.id);
              }}
            >
              {e.label}
            </button>
          ))}
        </div>
      )}
    </>
  );
}
