/** Discord's colours are integers (0xRRGGBB): as CSS they are `#rrggbb`. */
export const colorHex = (c: number): string => `#${(c & 0xffffff).toString(16).padStart(6, '0')}`;
