/** The icons of pins and moderation, drawn like Icon.tsx's (24×24 strokes in currentColor). */
const PATHS = {
  pin: 'M9 4h6M10 4v6l-3 4h10l-3-4V4M12 14v7',
  timeout: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7v5l3 2',
} as const;

export function ModIcon({ name, size = 20, label }: { name: keyof typeof PATHS; size?: number; label?: string }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      focusable="false"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': true })}
    >
      {label && <title>{label}</title>}
      <path d={PATHS[name]} />
    </svg>
  );
}
