/**
 * How a name shows in a role's colors (Discord's role colors object): one color, a gradient between the primary and
 * secondary colors, or the holographic style (three colors). Names are drawn with the gradient filling the text.
 */
import { colorHex } from './colors.ts';
import type { CSSProperties } from 'react';
import type { Role } from './types.ts';

/** The three colors of the holographic style, the only ones the server keeps with a tertiary color. */
export const HOLOGRAPHIC = { primary_color: 11127295, secondary_color: 16759788, tertiary_color: 16761760 } as const;

/** A role colour as CSS (colors.ts). */
export const hex = colorHex;

/** The highest role of `roleIds` with a color, which colors the member's name. */
export function topColoredRole(roles: Record<string, Role> | undefined, roleIds: readonly string[] | undefined): Role | undefined {
  if (!roles || !roleIds?.length) return undefined;
  let best: Role | undefined;
  for (const id of roleIds) {
    const r = roles[id];
    if (r?.color && (!best || r.position > best.position)) best = r;
  }
  return best;
}

/** A role's dot in lists: its color, or its gradient; Discord's grey for a role without color. */
export function swatch(role: Role): string {
  if (!role.color) return '#99aab5';
  const stops = [role.color, role.colors?.secondary_color, role.colors?.tertiary_color].filter((x): x is number => typeof x === 'number');
  return stops.length < 2 ? hex(role.color) : `linear-gradient(135deg, ${stops.map(hex).join(', ')})`;
}

/** The style of a name in `role`'s colors; undefined for no role or a role without color. */
export function nameStyle(role: Pick<Role, 'color' | 'colors'> | undefined): CSSProperties | undefined {
  if (!role?.color) return undefined;
  const c = role.colors;
  const stops = [role.color, c?.secondary_color, c?.tertiary_color].filter((x): x is number => typeof x === 'number');
  if (stops.length < 2) return { color: hex(role.color) };
  // A gradient fills the text; the primary color stays for anything that cannot clip to text.
  // Back to the first color at the end, as Discord's gradient names do.
  const loop = [...stops, stops[0]!];
  return {
    color: hex(role.color),
    backgroundImage: `linear-gradient(90deg, ${loop.map(hex).join(', ')})`,
    WebkitBackgroundClip: 'text',
    backgroundClip: 'text',
    WebkitTextFillColor: 'transparent',
  };
}
