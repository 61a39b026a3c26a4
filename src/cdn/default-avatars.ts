/**
 * Discord's default avatars, `/embed/avatars/{index}.png` for index 0–5: what a client shows for a user without an
 * avatar (index `(user_id >> 22) % 6`, or `discriminator % 5` for legacy names). Accord draws its own six —
 * one background colour each with the same white speech-bubble glyph — from an SVG, once per process, and keeps
 * the PNGs in memory. As on Discord, they come in one size and one format: `?size=` is ignored.
 */
import { createHash } from 'node:crypto';
import { loadSharp } from '../media/image.ts';

export const DEFAULT_AVATAR_COUNT = 6;
export const DEFAULT_AVATAR_SIZE = 256;

/** Background of each index, in Discord's order: blurple, grey, green, yellow, red, pink. */
const COLOURS = ['#5865f2', '#757e8a', '#3ba55c', '#faa61a', '#ed4245', '#eb459f'] as const;

function svg(colour: string): string {
  const s = DEFAULT_AVATAR_SIZE;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}" viewBox="0 0 256 256">
<rect width="256" height="256" fill="${colour}"/>
<path d="M64 72h128a20 20 0 0 1 20 20v64a20 20 0 0 1-20 20h-68l-36 28v-28h-24a20 20 0 0 1-20-20v-64a20 20 0 0 1 20-20z" fill="#ffffff"/>
<circle cx="96" cy="124" r="11" fill="${colour}"/><circle cx="128" cy="124" r="11" fill="${colour}"/><circle cx="160" cy="124" r="11" fill="${colour}"/>
</svg>`;
}

export interface DefaultAvatar {
  png: Buffer;
  sha256: string;
}

let drawn: Promise<DefaultAvatar[]> | undefined;

/** The six default avatars, drawn on first use. */
export function defaultAvatars(): Promise<DefaultAvatar[]> {
  drawn ??= Promise.all(
    COLOURS.map(async (colour) => {
      const png = await (await loadSharp())(Buffer.from(svg(colour)), {}).png({ compressionLevel: 9 }).toBuffer();
      return { png, sha256: createHash('sha256').update(png).digest('hex') };
    }),
  ).catch((err) => {
    // Draw again on the next request rather than fail forever.
    drawn = undefined;
    throw err;
  });
  return drawn;
}
