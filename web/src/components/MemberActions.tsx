/**
 * Moderation where members are shown: the member list's context menu (right click, the context-menu key or
 * Shift+F10), the buttons of the profile popout and of Server Settings' Members tab, and the timeout icon.
 * Each action is offered only with its permission and on members below one's top role (moderation.ts); the
 * dialogs themselves load on first use. One host (in App) draws the menu and the open dialog, so they outlive
 * the popout or row they were opened from.
 */
import { Suspense, lazy, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { arrowNavigate } from '../focus.ts';
import { anyModeration, moderationRights, timedOutUntil } from '../moderation.ts';
import { displayName, useStore } from '../store.ts';
import { ui } from '../ui.ts';
import { ModIcon } from './ModIcons.tsx';
import { MemberAppItems } from './CommandMenus.tsx';

const ModerationDialog = lazy(() => import('./ModerationDialogs.tsx').then((m) => ({ default: m.ModerationDialog })));

export type ModerationKind = 'kick' | 'ban' | 'timeout' | 'untimeout' | 'nick';

interface MenuState {
  guildId: string;
  userId: string;
  x: number;
  y: number;
  opener: HTMLElement | null;
}
interface DialogState {
  kind: ModerationKind;
  guildId: string;
  userId: string;
}

let state: { menu: MenuState | null; dialog: DialogState | null } = { menu: null, dialog: null };
const listeners = new Set<() => void>();
const set = (patch: Partial<typeof state>) => {
  state = { ...state, ...patch };
  listeners.forEach((l) => l());
};
const useModState = () =>
  useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => state,
  );

/**
 * Opens an action's dialog. Called from a popout, it waits for the popout to close and hand focus back to
 * where it was opened from, so the dialog returns focus there too.
 */
export function openModeration(kind: ModerationKind, guildId: string, userId: string, opts: { afterPopout?: boolean } = {}) {
  if (!opts.afterPopout) return set({ dialog: { kind, guildId, userId } });
  ui.closeUser();
  setTimeout(() => set({ dialog: { kind, guildId, userId } }));
}

/** The member list's context menu, at the pointer (or under the row when opened from the keyboard). */
export function openMemberMenu(e: React.MouseEvent<HTMLElement>, guildId: string, userId: string) {
  e.preventDefault();
  const el = e.currentTarget;
  const r = el.getBoundingClientRect();
  const fromKeyboard = e.clientX === 0 && e.clientY === 0;
  set({ menu: { guildId, userId, x: fromKeyboard ? r.left + 16 : e.clientX, y: fromKeyboard ? r.bottom : e.clientY, opener: el } });
}

/** Until when (ms) the member is timed out, or null; re-renders the caller when the timeout runs out. */
export function useMemberTimeout(guildId: string | null, userId: string | undefined): number | null {
  const raw = useStore((s) => (guildId && userId ? (s.members[guildId]?.[userId]?.communication_disabled_until ?? null) : null));
  const [tick, setTick] = useState(0);
  const until = timedOutUntil(raw ? { roles: [], communication_disabled_until: raw } : undefined);
  useEffect(() => {
    if (until === null) return;
    // setTimeout cannot wait longer than 2^31-1 ms (24.8 days; timeouts go up to 28): wake up and look again.
    const t = setTimeout(() => setTick((n) => n + 1), Math.min(until - Date.now() + 50, 2 ** 31 - 1));
    return () => clearTimeout(t);
  }, [until, tick]);
  return until;
}

/** The signed-in user's own timeout in the guild. */
export function useTimedOutUntil(guildId: string | null): number | null {
  const me = useStore((s) => s.me?.id);
  return useMemberTimeout(guildId, me);
}

/** The timeout icon on a timed-out member's row. */
export function TimeoutBadge({ guildId, userId }: { guildId: string; userId: string }) {
  const until = useMemberTimeout(guildId, userId);
  if (until === null) return null;
  return (
    <span className="timeout-badge" title={`Timed out until ${new Date(until).toLocaleString()}`}>
      <ModIcon name="timeout" size={16} label="Timed out" />
    </span>
  );
}

/** Buttons for the actions one may take on the member (the profile popout, Server Settings' Members tab). */
export function ModerationButtons({ guildId, userId, inPopout = false }: { guildId: string; userId: string; inPopout?: boolean }) {
  const s = useStore((st) => st);
  const rights = moderationRights(s, guildId, userId);
  if (!anyModeration(rights)) return null;
  const name = displayName(s, userId, guildId);
  const open = (kind: ModerationKind) => openModeration(kind, guildId, userId, { afterPopout: inPopout });
  return (
    <div className="moderation-buttons" role="group" aria-label={`Moderate ${name}`}>
      {rights.nick && (
        <button type="button" className="button small secondary" onClick={() => open('nick')}>
          Change Nickname
        </button>
      )}
      {rights.removeTimeout ? (
        <button type="button" className="button small secondary" onClick={() => open('untimeout')}>
          Remove Timeout
        </button>
      ) : (
        rights.timeout && (
          <button type="button" className="button small secondary" onClick={() => open('timeout')}>
            Timeout
          </button>
        )
      )}
      {rights.kick && (
        <button type="button" className="button small danger" onClick={() => open('kick')}>
          Kick
        </button>
      )}
      {rights.ban && (
        <button type="button" className="button small danger" onClick={() => open('ban')}>
          Ban
        </button>
      )}
    </div>
  );
}

function MemberMenu({ menu }: { menu: MenuState }) {
  const s = useStore((st) => st);
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState({ left: menu.x, top: menu.y });
  const rights = moderationRights(s, menu.guildId, menu.userId);
  const name = displayName(s, menu.userId, menu.guildId);
  const close = (returnFocus: boolean) => {
    if (returnFocus && menu.opener?.isConnected) menu.opener.focus();
    set({ menu: null });
  };
  const closeRef = useRef(close);
  closeRef.current = close;
  const act = (kind: ModerationKind) => {
    // Focus back on the row first: the dialog returns it there when it closes.
    close(true);
    openModeration(kind, menu.guildId, menu.userId);
  };

  useLayoutEffect(() => {
    const el = ref.current!;
    const r = el.getBoundingClientRect();
    setPos({ left: Math.max(8, Math.min(menu.x, window.innerWidth - r.width - 8)), top: Math.max(8, Math.min(menu.y, window.innerHeight - r.height - 8)) });
    el.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [menu]);

  useEffect(() => {
    const onDoc = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && closeRef.current(false);
    const dismiss = () => closeRef.current(false);
    document.addEventListener('mousedown', onDoc);
    window.addEventListener('resize', dismiss);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      window.removeEventListener('resize', dismiss);
    };
  }, []);

  return (
    <div
      ref={ref}
      className="context-menu"
      role="menu"
      aria-label={`Actions for ${name}`}
      style={pos}
      onContextMenu={(e) => e.preventDefault()}
      onKeyDown={(e) => {
        if (e.key === 'Tab') {
          e.preventDefault();
          return closeRef.current(true);
        }
        arrowNavigate(e, { items: '[role="menuitem"]', orientation: 'vertical', onEscape: () => closeRef.current(true) });
      }}
    >
      <button
        type="button"
        role="menuitem"
        onClick={() => {
          const opener = menu.opener;
          close(true);
          if (opener?.isConnected) ui.openUser(menu.userId, menu.guildId, opener);
        }}
      >
        Profile
      </button>
      {anyModeration(rights) && <div className="menu-separator" role="separator" />}
      {rights.nick && (
        <button type="button" role="menuitem" onClick={() => act('nick')}>
          Change Nickname
        </button>
      )}
      {rights.removeTimeout ? (
        <button type="button" role="menuitem" className="danger" onClick={() => act('untimeout')}>
          Remove Timeout
        </button>
      ) : (
        rights.timeout && (
          <button type="button" role="menuitem" className="danger" onClick={() => act('timeout')}>
            Timeout {name}
          </button>
        )
      )}
      {rights.kick && (
        <button type="button" role="menuitem" className="danger" onClick={() => act('kick')}>
          Kick {name}
        </button>
      )}
      {rights.ban && (
        <button type="button" role="menuitem" className="danger" onClick={() => act('ban')}>
          Ban {name}
        </button>
      )}
      <MemberAppItems guildId={menu.guildId} userId={menu.userId} onDone={() => close(true)} />
    </div>
  );
}

/** Draws the member menu and the open moderation dialog; mounted once, in the app shell. */
export function ModerationHost() {
  const { menu, dialog } = useModState();
  // A guild left (or deleted) takes its menu and dialog with it.
  const guildGone = useStore((s) => Boolean((menu || dialog) && !s.guilds[(menu ?? dialog)!.guildId]));
  useEffect(() => {
    if (guildGone) set({ menu: null, dialog: null });
  }, [guildGone]);
  return (
    <>
      {menu && <MemberMenu key={`${menu.guildId}:${menu.userId}:${menu.x}:${menu.y}`} menu={menu} />}
      {dialog && (
        <Suspense fallback={null}>
          <ModerationDialog {...dialog} onClose={() => set({ dialog: null })} />
        </Suspense>
      )}
    </>
  );
}
