/**
 * The bundled emoji font (emoji-font.css: Noto Color Emoji in unicode-range subsets, each fetched when first
 * drawn), and a workaround that makes it show up in text.
 *
 * Where emoji sit in text, the font comes after the text fonts (letters and digits keep theirs). Chromium then
 * fetches the subset an emoji needs, draws the emoji with what it has meanwhile (a blank box), and never shapes
 * that text again once the subset has arrived: a font that is not the first of its font-family list does not
 * invalidate the text it would serve. Each time subsets finish loading, the elements that draw emoji in text get a
 * new, inert font-feature-settings value (a feature tag no font has); a new value is a new font to Chromium,
 * which shapes the text again with the subsets now loaded. Other browsers ignore the tag.
 */
import './emoji-font.css';

const FAMILY = 'Noto Color Emoji';

export function installEmojiFont(): void {
  const fonts = document.fonts;
  if (!fonts?.addEventListener) return;
  let loads = 0;
  fonts.addEventListener('loadingdone', (e) => {
    if (!(e as FontFaceSetLoadEvent).fontfaces.some((f) => f.family.replace(/["']/g, '') === FAMILY)) return;
    // Never a value used before: Chromium keeps what it shaped for each one.
    document.documentElement.style.setProperty('--emoji-reshape', `"xemj" ${++loads}`);
  });
}
