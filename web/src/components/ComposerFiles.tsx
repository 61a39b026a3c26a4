/**
 * Adding files to the composer: the "+" button (a file picker, several files at once) and dropping files
 * anywhere on the channel (with an overlay saying where they will go). The cards of the files waiting to be sent
 * are PendingFiles.tsx, loaded once there are some.
 */
import { Suspense, lazy, useRef, useState, type DragEvent } from 'react';
import { addFiles, carriesFiles, filesOf, type Draft } from '../upload.ts';
import { Icon } from './Icon.tsx';

const PendingFilesPanel = lazy(() => import('./PendingFiles.tsx').then((m) => ({ default: m.PendingFiles })));

/** The files waiting in the composer and the upload progress; nothing (and no code loaded) while there are none. */
export function PendingFiles({ channelId, draft }: { channelId: string; draft: Draft }) {
  if (!draft.files.length && draft.progress === null) return null;
  return (
    <Suspense fallback={null}>
      <PendingFilesPanel channelId={channelId} draft={draft} />
    </Suspense>
  );
}

export function UploadButton({ channelId, disabled }: { channelId: string; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="icon-button composer-upload" aria-label="Upload a file" title="Upload a file" disabled={disabled} onClick={() => input.current?.click()}>
        <Icon name="plusCircle" size={22} />
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-hidden="true"
        tabIndex={-1}
        data-testid="file-input"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          // Cleared, so picking the same file again fires change again.
          e.currentTarget.value = '';
          if (files.length) addFiles(channelId, files);
          document.querySelector<HTMLTextAreaElement>('#composer')?.focus();
        }}
      />
    </>
  );
}

/**
 * Dropping files on the channel: handlers for its element and the overlay to draw while files hover over it.
 * Counts enters and leaves, since dragging over a child fires leave on the parent.
 */
export function useFileDrop(channelId: string, enabled: boolean, target: string) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const accept = (e: DragEvent) => enabled && carriesFiles(e.dataTransfer);
  const handlers = {
    onDragEnter: (e: DragEvent) => {
      if (!accept(e)) return;
      e.preventDefault();
      depth.current++;
      setOver(true);
    },
    onDragOver: (e: DragEvent) => {
      if (!accept(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: (e: DragEvent) => {
      if (!accept(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (!depth.current) setOver(false);
    },
    onDrop: (e: DragEvent) => {
      depth.current = 0;
      setOver(false);
      if (!enabled) return;
      const files = filesOf(e.dataTransfer);
      if (!files.length) return;
      e.preventDefault();
      addFiles(channelId, files);
      document.querySelector<HTMLTextAreaElement>('#composer')?.focus();
    },
  };
  const overlay = over ? (
    <div className="drop-overlay" aria-hidden="true" data-testid="drop-overlay">
      <div className="drop-overlay-card">
        <Icon name="upload" size={40} />
        <strong>Upload to {target}</strong>
        <span className="small">Drop files to add them to your message.</span>
      </div>
    </div>
  ) : null;
  return { handlers, overlay };
}
