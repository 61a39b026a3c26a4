/**
 * The guild widget as a PNG (GET /guilds/{id}/widget.png), in Discord's five styles: `shield` (a small badge with
 * the online count), `banner1` (the server's name and count beside "Join My Server"), `banner2` (its icon, name and
 * count with "Chat now"), `banner3` (a larger icon with "Chat Now" under the count) and `banner4` (a tall card
 * headed "JOIN MY SERVER!"). Drawn as SVG and rasterised by sharp (librsvg), with the machine's sans-serif font:
 * no image files of our own. The server's icon, when it has one, is drawn round; otherwise its initials.
 */
import { loadSharp, withImageWork } from './image.ts';

export const WIDGET_STYLES = ['shield', 'banner1', 'banner2', 'banner3', 'banner4'] as const;
export type WidgetStyle = (typeof WIDGET_STYLES)[number];

export interface WidgetImageInput {
  name: string;
  online: number;
  /** The server's icon as uploaded (PNG, JPEG, GIF or WebP), or null. */
  icon: Buffer | null;
}

const BLURPLE = '#5865f2';
const DARK = '#2b2d31';
const GREEN = '#23a55a';
const FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"';

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** At most `max` characters (by code point), with an ellipsis when cut. */
function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

/** What a server without an icon shows: the first letter of each word, as Discord's client does. */
export function initials(name: string): string {
  return clip(name.split(/\s+/).filter(Boolean).map((w) => [...w][0]).join(''), 4) || '?';
}

/** The icon, or the initials on a blurple disc, `size` pixels wide at (x, y). */
function iconSvg(iconUri: string | null, name: string, x: number, y: number, size: number): string {
  const r = size / 2;
  if (iconUri) {
    return `<clipPath id="c"><circle cx="${x + r}" cy="${y + r}" r="${r}"/></clipPath>`
      + `<image href="${iconUri}" x="${x}" y="${y}" width="${size}" height="${size}" clip-path="url(#c)"/>`;
  }
  return `<circle cx="${x + r}" cy="${y + r}" r="${r}" fill="${BLURPLE}"/>`
    + `<text x="${x + r}" y="${y + r + size * 0.13}" text-anchor="middle" ${FONT} font-size="${Math.round(size * 0.36)}" font-weight="bold" fill="#fff">${escapeXml(initials(name))}</text>`;
}

function onlineText(n: number): string {
  return `${n.toLocaleString('en-US')} Online`;
}

/** The SVG of `style` (exported for tests of the text it carries). */
export function widgetSvg(style: WidgetStyle, input: WidgetImageInput, iconUri: string | null): string {
  const online = escapeXml(onlineText(input.online));
  const open = (w: number, h: number) => `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`;
  const dot = (x: number, y: number) => `<circle cx="${x}" cy="${y}" r="4" fill="${GREEN}"/>`;
  switch (style) {
    case 'shield': {
      const count = escapeXml(`${input.online.toLocaleString('en-US')} online`);
      const right = 14 + count.length * 7;
      return `${open(62 + right, 20)}<rect width="62" height="20" rx="3" fill="#555"/><rect x="58" width="${right + 4}" height="20" rx="3" fill="${BLURPLE}"/><rect x="58" width="6" height="20" fill="${BLURPLE}"/>`
        + `<text x="8" y="14" ${FONT} font-size="11" fill="#fff">Accord</text><text x="66" y="14" ${FONT} font-size="11" fill="#fff">${count}</text></svg>`;
    }
    case 'banner1':
      return `${open(320, 76)}<rect width="320" height="76" rx="6" fill="${DARK}"/>`
        + `<text x="14" y="30" ${FONT} font-size="16" font-weight="bold" fill="#fff">${escapeXml(clip(input.name, 18))}</text>`
        + `${dot(18, 50)}<text x="28" y="55" ${FONT} font-size="13" fill="#b5bac1">${online}</text>`
        + `<rect x="196" y="22" width="112" height="32" rx="4" fill="${BLURPLE}"/><text x="252" y="43" text-anchor="middle" ${FONT} font-size="13" font-weight="bold" fill="#fff">Join My Server</text></svg>`;
    case 'banner2':
      return `${open(328, 76)}<rect width="328" height="76" rx="6" fill="${DARK}"/>${iconSvg(iconUri, input.name, 14, 14, 48)}`
        + `<text x="74" y="34" ${FONT} font-size="15" font-weight="bold" fill="#fff">${escapeXml(clip(input.name, 16))}</text>`
        + `${dot(78, 50)}<text x="88" y="55" ${FONT} font-size="12" fill="#b5bac1">${online}</text>`
        + `<rect x="236" y="24" width="80" height="28" rx="4" fill="${BLURPLE}"/><text x="276" y="43" text-anchor="middle" ${FONT} font-size="12" font-weight="bold" fill="#fff">Chat now</text></svg>`;
    case 'banner3':
      return `${open(320, 110)}<rect width="320" height="110" rx="6" fill="${DARK}"/>${iconSvg(iconUri, input.name, 16, 17, 76)}`
        + `<text x="106" y="40" ${FONT} font-size="16" font-weight="bold" fill="#fff">${escapeXml(clip(input.name, 18))}</text>`
        + `${dot(110, 60)}<text x="120" y="65" ${FONT} font-size="13" fill="#b5bac1">${online}</text>`
        + `<rect x="106" y="74" width="96" height="24" rx="4" fill="${BLURPLE}"/><text x="154" y="90" text-anchor="middle" ${FONT} font-size="12" font-weight="bold" fill="#fff">Chat Now</text></svg>`;
    case 'banner4':
      return `${open(400, 160)}<rect width="400" height="160" rx="8" fill="${BLURPLE}"/>`
        + `<text x="200" y="42" text-anchor="middle" ${FONT} font-size="22" font-weight="bold" fill="#fff">JOIN MY SERVER!</text>`
        + `<rect x="12" y="62" width="376" height="86" rx="6" fill="${DARK}"/>${iconSvg(iconUri, input.name, 24, 74, 62)}`
        + `<text x="100" y="100" ${FONT} font-size="16" font-weight="bold" fill="#fff">${escapeXml(clip(input.name, 22))}</text>`
        + `${dot(104, 120)}<text x="114" y="125" ${FONT} font-size="13" fill="#b5bac1">${online}</text></svg>`;
  }
}

/** The widget image as PNG bytes. */
export async function renderWidgetImage(style: WidgetStyle, input: WidgetImageInput): Promise<Buffer> {
  return withImageWork(async () => {
    const sharp = await loadSharp();
    let iconUri: string | null = null;
    if (input.icon && style !== 'shield' && style !== 'banner1') {
      try {
        const png = await sharp(input.icon, { failOn: 'error', limitInputPixels: 4096 * 4096 }).resize(128, 128, { fit: 'cover' }).png().toBuffer();
        iconUri = `data:image/png;base64,${png.toString('base64')}`;
      } catch {
        // A broken icon is drawn as the initials.
      }
    }
    return sharp(Buffer.from(widgetSvg(style, input, iconUri)), {}).png().toBuffer();
  });
}
