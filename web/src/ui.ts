/** UI-only state shared across distant components: the open user popout and the mobile drawers. */
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
}

let state: UiState = { popout: null, drawer: 'none', membersOpen: window.innerWidth > 1000 };
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
