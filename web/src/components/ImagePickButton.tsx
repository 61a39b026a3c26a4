/** A button that opens a file picker for one image and hands back its data URI (image-data.ts, loaded on use). */
import { useRef, useState } from 'react';

/** The image types Discord takes for avatars and icons. */
export const IMAGE_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp';

export function ImagePickButton({ label, onPick, onError, className = 'button small' }: { label: string; onPick: (dataUri: string) => void; onError: (message: string) => void; className?: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button type="button" className={className} aria-disabled={busy} onClick={() => !busy && input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept={IMAGE_ACCEPT}
        hidden
        aria-hidden="true"
        tabIndex={-1}
        aria-label={label}
        onChange={async (e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (!file) return;
          setBusy(true);
          try {
            const { imageToDataUri } = await import('../image-data.ts');
            onPick(await imageToDataUri(file));
          } catch (err) {
            onError(err instanceof Error ? err.message : String(err));
          } finally {
            setBusy(false);
          }
        }}
      />
    </>
  );
}
