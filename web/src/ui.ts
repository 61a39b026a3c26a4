/** UI-only state shared across distant components: the open user popout, the mobile drawers, a notice. */
import { useSyncExternalStore } from 'react';

export interface Popout {
  userId: string;
  guildId: string | null;
  x: number;
  y: number;
}

interface UiState {
  popout: Popout | null;
  /** Phone layout: the guild/channel navigation slid in over the chat. */
  drawer: 'none' | 'nav';
  /** The member list: a column on wide screens, an overlay on narrow ones. */
  membersOpen: boolean;
  /** A sentence about something that happened to the user (removed from a server, a link that led nowhere). */
  notice: string | null;
}

let state: UiState = { popout: null, drawer: 'none', membersOpen: window.innerWidth > 1000, notice: null };
const listeners = new Set<() => void>();
const set = (patch: Partial<UiState>) => {
  state = { ...state, ...patch };
  listeners.forEach((l) => l());
};

export const ui = {
  openUser(userId: string, guildId: string | null, anchor: HTMLElement) {
    const r = anchor.getBoundingClientRect();
    set({ popout: { userId, guildId, x: r.right + 8, y: r.top } });
  },
  closeUser: () => set({ popout: null }),
  setDrawer: (drawer: UiState['drawer']) => set({ drawer }),
  toggleMembers: () => set({ membersOpen: !state.membersOpen }),
  closeMembersIfOverlay: () => window.innerWidth <= 1000 && set({ membersOpen: false }),
  notify: (notice: string) => set({ notice }),
  dismissNotice: () => set({ notice: null }),
  get notice() {
    return state.notice;
  },
};

export function useUi<T>(sel: (s: UiState) => T): T {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => sel(state),
  );
}
