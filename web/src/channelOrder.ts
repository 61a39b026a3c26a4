/**
 * Reordering a guild's channels (MANAGE_CHANNELS), by drag and by keyboard, saved with Discord's "Modify Guild
 * Channel Positions" (PATCH /guilds/{id}/channels [{id, position, parent_id}]).
 *
 * Keyboard: on a focused channel, Alt+Shift+Up/Down moves it one place, and past the first or last place of its
 * category into the category above or below; on a category, Alt+Shift+Up/Down moves the whole category. Each move
 * is announced. Drag: drop a channel on a channel (before or after it, by the pointer's half) or on a category
 * (the end of it); drop a category on a category.
 *
 * The move shows at once (the new positions applied locally) and is undone if the server refuses it. Moves are
 * saved one at a time, in order, each computed from where the one before put the channels; so when a save is
 * refused, the moves queued behind it (made on top of a move that did not happen) are dropped unsent, and the
 * list is read again from the server, which is what it shows from then on.
 */
import { createElement, useMemo, useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react';
import { applyDispatch } from './events.ts';
import { canManageChannels, guildChannels, setChannelPositions } from './moderation.ts';
import { errorText } from './session.ts';
import { store, useStore } from './store.ts';
import { isVoiceLike } from '../../src/protocol/channel-types.ts';
import type { Channel } from './types.ts';

export interface ChannelGroup {
  category: Channel | null;
  channels: Channel[];
}

type Update = { id: string; position: number; parent_id?: string | null };

const isVoice = (c: { type: number }) => isVoiceLike(c.type);
/** Where a channel of this kind goes at the start / end of a group: text first, voice after (as drawn). */
const blockStart = (g: ChannelGroup, c: Channel) => (isVoice(c) ? g.channels.filter((x) => !isVoice(x)).length : 0);
const blockEnd = (g: ChannelGroup, c: Channel) => (isVoice(c) ? g.channels.length : g.channels.filter((x) => !isVoice(x)).length);

/** The groups with channel `id` moved to `index` of group `to` (an index into that group without the channel). */
export function moveChannel(groups: readonly ChannelGroup[], id: string, to: number, index: number): ChannelGroup[] {
  const channel = groups.flatMap((g) => g.channels).find((c) => c.id === id);
  if (!channel) return [...groups];
  const next = groups.map((g) => ({ ...g, channels: g.channels.filter((c) => c.id !== id) }));
  const target = next[to]!;
  target.channels.splice(Math.max(0, Math.min(index, target.channels.length)), 0, channel);
  return next;
}

/** The PATCH body: each channel whose place (position in its group, or category) changed. */
export function positionUpdates(before: readonly ChannelGroup[], after: readonly ChannelGroup[]): Update[] {
  const was = new Map<string, { position: number; parent: string | null }>();
  for (const g of before) for (const c of g.channels) was.set(c.id, { position: c.position ?? 0, parent: c.parent_id ?? null });
  const updates: Update[] = [];
  after.forEach((g, gi) => {
    const parent = g.category?.id ?? null;
    // A group whose order is unchanged keeps its positions as they are.
    const same = before[gi]?.channels.length === g.channels.length && before[gi]!.channels.every((c, i) => g.channels[i]?.id === c.id);
    if (same) return;
    g.channels.forEach((c, position) => {
      const old = was.get(c.id);
      const parentChanged = (old?.parent ?? null) !== parent;
      if (old && old.position === position && !parentChanged) return;
      updates.push({ id: c.id, position, ...(parentChanged ? { parent_id: parent } : {}) });
    });
  });
  return updates;
}

/** The categories in their new order, renumbered. */
function categoryUpdates(groups: readonly ChannelGroup[], id: string, delta: -1 | 1): Update[] {
  const cats = groups.flatMap((g) => (g.category ? [g.category] : []));
  const i = cats.findIndex((c) => c.id === id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= cats.length) return [];
  [cats[i], cats[j]] = [cats[j]!, cats[i]!];
  return cats.flatMap((c, position) => (c.position === position ? [] : [{ id: c.id, position }]));
}

/** The groups after a keyboard move of a channel one place up (-1) or down (+1); null at the very end. */
function stepChannel(groups: readonly ChannelGroup[], id: string, delta: -1 | 1): ChannelGroup[] | null {
  const gi = groups.findIndex((g) => g.channels.some((c) => c.id === id));
  if (gi < 0) return null;
  const g = groups[gi]!;
  const i = g.channels.findIndex((c) => c.id === id);
  const c = g.channels[i]!;
  const neighbour = g.channels[i + delta];
  if (neighbour && isVoice(neighbour) === isVoice(c)) return moveChannel(groups, id, gi, i + delta);
  const to = groups[gi + delta];
  if (!to) return null;
  return moveChannel(groups, id, gi + delta, delta < 0 ? blockEnd(to, c) : blockStart(to, c));
}

const where = (id: string) => document.querySelector<HTMLElement>(`[data-channel-id="${CSS.escape(id)}"]`);

/** Focus follows the moved item, which React may have re-created in another list. */
async function keepFocus(id: string) {
  for (let frame = 0; frame < 10; frame++) {
    await new Promise((r) => requestAnimationFrame(r));
    const el = where(id);
    if (el) {
      if (document.activeElement !== el) el.focus();
      el.scrollIntoView({ block: 'nearest' });
      return;
    }
  }
}

let saving: Promise<unknown> = Promise.resolve();
/** Saves not finished yet. */
let pendingSaves = 0;
/** Moved on at each refused save: saves queued in an earlier one are dropped, and its intended order is stale. */
let epoch = 0;

/** Applies the new positions now, saves them (one save at a time, in order), and undoes them if refused. */
function commit(guildId: string, updates: Update[], announce: (text: string) => void, said: string) {
  if (!updates.length) return;
  const previous = updates.map((u) => store.state.channels[u.id]).filter((c): c is Channel => Boolean(c));
  for (const u of updates) {
    const c = store.state.channels[u.id];
    if (c) applyDispatch('CHANNEL_UPDATE', { ...c, position: u.position, ...(u.parent_id !== undefined ? { parent_id: u.parent_id } : {}) });
  }
  announce(said);
  const queuedIn = epoch;
  pendingSaves++;
  saving = saving
    .then(async () => {
      if (queuedIn !== epoch) return; // made on top of a refused move
      try {
        await setChannelPositions(guildId, updates);
      } catch (err) {
        epoch++;
        announce(`Could not move it: ${errorText(err)}`);
        await showServerOrder(guildId, previous);
      }
    })
    .finally(() => pendingSaves--);
}

/** The positions the server has, after a refusal; if they cannot be read, the refused move's channels as they were. */
async function showServerOrder(guildId: string, previous: Channel[]) {
  let channels: Channel[];
  try {
    channels = await guildChannels(guildId);
  } catch {
    channels = previous;
  }
  for (const c of channels) {
    const mine = store.state.channels[c.id];
    if (mine && (mine.position !== c.position || (mine.parent_id ?? null) !== (c.parent_id ?? null))) {
      applyDispatch('CHANNEL_UPDATE', { ...mine, position: c.position, parent_id: c.parent_id ?? null });
    }
  }
}

export interface ChannelReorder {
  /** Props for a channel's link. */
  item(c: Channel): Record<string, unknown>;
  /** Props for a category's header button. */
  category(c: Channel): Record<string, unknown>;
  /** Props for a group's section (drop at its end). */
  group(category: Channel | null): Record<string, unknown>;
  /** The live region that announces moves. */
  status: ReactNode;
}

const MOVE_KEYS = 'Alt+Shift+ArrowUp Alt+Shift+ArrowDown';

export function useChannelReorder(guildId: string, groups: readonly ChannelGroup[]): ChannelReorder {
  const allowed = useStore((s) => canManageChannels(s, guildId));
  const [said, setSaid] = useState('');
  const [hint, setHint] = useState<{ id: string; where: 'before' | 'after' | 'inside' } | null>(null);
  const dragging = useRef<{ id: string; category: boolean } | null>(null);
  const groupsRef = useRef(groups);
  groupsRef.current = groups;
  // While moves are being saved, the next one starts from where the last one put the channels, not from the store:
  // an earlier save's CHANNEL_UPDATEs can arrive after the last move was applied and show the list a move behind,
  // and a key pressed then moved the channel from the wrong place.
  const intended = useRef<{ guildId: string; groups: ChannelGroup[]; epoch: number } | null>(null);
  const current = () =>
    pendingSaves > 0 && intended.current?.guildId === guildId && intended.current.epoch === epoch ? intended.current.groups : groupsRef.current;

  return useMemo(() => {
    const status = createElement('div', { className: 'sr-only', role: 'status', 'aria-live': 'polite' }, said);
    if (!allowed) return { item: () => ({}), category: () => ({}), group: () => ({}), status };
    const announce = (text: string) => setSaid(text);
    const groupName = (g: ChannelGroup | undefined) => (g?.category ? g.category.name : 'no category');
    const describe = (next: ChannelGroup[], id: string) => {
      const g = next.find((x) => x.channels.some((c) => c.id === id));
      const i = g ? g.channels.findIndex((c) => c.id === id) : -1;
      const c = g?.channels[i];
      return `Moved #${c?.name} to position ${i + 1} of ${g?.channels.length} in ${groupName(g)}.`;
    };
    const moveTo = (id: string, next: ChannelGroup[]) => {
      commit(guildId, positionUpdates(current(), next), announce, describe(next, id));
      // With the channels as commit left them in the store (their new positions): the next move compares against
      // these, and a channel still carrying the position it had before this move could be left out of its save.
      const moved = next.map((g) => ({ ...g, channels: g.channels.map((c) => store.state.channels[c.id] ?? c) }));
      intended.current = { guildId, groups: moved, epoch };
      void keepFocus(id);
    };
    const moveCategory = (id: string, delta: -1 | 1) => {
      intended.current = null;
      const updates = categoryUpdates(groupsRef.current, id, delta);
      const name = groupsRef.current.find((g) => g.category?.id === id)?.category?.name;
      if (!updates.length) return announce(`${name} can't move further.`);
      commit(guildId, updates, announce, `Moved category ${name} ${delta < 0 ? 'up' : 'down'}.`);
      void keepFocus(id);
    };
    const isMoveKey = (e: KeyboardEvent) => e.altKey && e.shiftKey && !e.ctrlKey && !e.metaKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown');

    const dragStart = (id: string, category: boolean) => (e: DragEvent) => {
      dragging.current = { id, category };
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', id);
    };
    const dragEnd = () => {
      dragging.current = null;
      setHint(null);
    };
    const half = (e: DragEvent): 'before' | 'after' => {
      const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
      return e.clientY < r.top + r.height / 2 ? 'before' : 'after';
    };
    const setHintOnce = (next: typeof hint) => setHint((h) => (h?.id === next?.id && h?.where === next?.where ? h : next));

    return {
      status,
      item: (c: Channel) => ({
        'data-channel-id': c.id,
        'data-drop': hint?.id === c.id ? hint.where : undefined,
        draggable: true,
        'aria-keyshortcuts': MOVE_KEYS,
        onKeyDown: (e: KeyboardEvent) => {
          if (!isMoveKey(e)) return;
          e.preventDefault();
          const next = stepChannel(current(), c.id, e.key === 'ArrowUp' ? -1 : 1);
          if (!next) return announce(`#${c.name} can't move further.`);
          moveTo(c.id, next);
        },
        onDragStart: dragStart(c.id, false),
        onDragEnd: dragEnd,
        onDragOver: (e: DragEvent) => {
          const d = dragging.current;
          if (!d || d.category || d.id === c.id) return;
          e.preventDefault();
          e.stopPropagation();
          setHintOnce({ id: c.id, where: half(e) });
        },
        onDrop: (e: DragEvent) => {
          const d = dragging.current;
          if (!d || d.category || d.id === c.id) return;
          e.preventDefault();
          e.stopPropagation();
          const gs = current();
          const to = gs.findIndex((g) => g.channels.some((x) => x.id === c.id));
          const without = gs[to]!.channels.filter((x) => x.id !== d.id);
          const at = without.findIndex((x) => x.id === c.id) + (half(e) === 'after' ? 1 : 0);
          dragEnd();
          moveTo(d.id, moveChannel(gs, d.id, to, at));
        },
      }),
      category: (cat: Channel) => ({
        'data-channel-id': cat.id,
        'data-drop': hint?.id === cat.id ? hint.where : undefined,
        draggable: true,
        'aria-keyshortcuts': MOVE_KEYS,
        onKeyDown: (e: KeyboardEvent) => {
          if (!isMoveKey(e)) return;
          e.preventDefault();
          moveCategory(cat.id, e.key === 'ArrowUp' ? -1 : 1);
        },
        onDragStart: dragStart(cat.id, true),
        onDragEnd: dragEnd,
        onDragOver: (e: DragEvent) => {
          const d = dragging.current;
          if (!d || d.id === cat.id) return;
          e.preventDefault();
          e.stopPropagation();
          setHintOnce({ id: cat.id, where: d.category ? half(e) : 'inside' });
        },
        onDrop: (e: DragEvent) => {
          const d = dragging.current;
          if (!d || d.id === cat.id) return;
          e.preventDefault();
          e.stopPropagation();
          const gs = current();
          dragEnd();
          if (!d.category) {
            const to = gs.findIndex((g) => g.category?.id === cat.id);
            const moved = gs.flatMap((g) => g.channels).find((x) => x.id === d.id);
            if (to >= 0 && moved) moveTo(d.id, moveChannel(gs, d.id, to, blockEnd({ ...gs[to]!, channels: gs[to]!.channels.filter((x) => x.id !== d.id) }, moved)));
            return;
          }
          // A category dropped on another goes before or after it; the categories are renumbered in order.
          const cats = gs.flatMap((g) => (g.category && g.category.id !== d.id ? [g.category.id] : []));
          cats.splice(cats.indexOf(cat.id) + (half(e) === 'after' ? 1 : 0), 0, d.id);
          const updates = cats.flatMap((id, position) => (store.state.channels[id]?.position === position ? [] : [{ id, position }]));
          commit(guildId, updates, announce, `Moved category ${store.state.channels[d.id]?.name}.`);
        },
      }),
      group: (category: Channel | null) => ({
        onDragOver: (e: DragEvent) => {
          const d = dragging.current;
          if (!d || d.category) return;
          e.preventDefault();
        },
        onDrop: (e: DragEvent) => {
          const d = dragging.current;
          if (!d || d.category) return;
          e.preventDefault();
          const gs = current();
          const to = gs.findIndex((g) => (g.category?.id ?? null) === (category?.id ?? null));
          const moved = gs.flatMap((g) => g.channels).find((x) => x.id === d.id);
          dragEnd();
          if (to < 0 || !moved) return;
          moveTo(d.id, moveChannel(gs, d.id, to, blockEnd({ ...gs[to]!, channels: gs[to]!.channels.filter((x) => x.id !== d.id) }, moved)));
        },
      }),
    };
  }, [allowed, guildId, said, hint]);
}
