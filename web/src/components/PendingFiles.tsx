/**
 * The cards of the files waiting in the composer (name, size, a preview for images, spoiler toggle, alt text,
 * remove) and the upload progress bar. Loaded when files are first added, with the code that sends them.
 */
import { useEffect } from 'react';
import { formatBytes } from '../media-url.ts';
import { cancelUpload } from '../upload-send.ts';
import { removeFile, totalBytes, updateFile, type Draft, type PendingFile } from '../upload.ts';
import { Icon } from './Icon.tsx';

const THUMB_PX = 160;
const thumbsMade = new WeakSet<File>();

/** A small still of an image, drawn on a canvas (so a 10 MB photo is not kept as a 13 MB data URI). */
async function makeThumb(channelId: string, p: PendingFile) {
  try {
    const bitmap = await createImageBitmap(p.file);
    const scale = Math.min(1, THUMB_PX / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    updateFile(channelId, p.key, { thumb: canvas.toDataURL('image/png') });
  } catch {
    /* not an image the browser can decode: the card shows a file icon */
  }
}

export function PendingFiles({ channelId, draft }: { channelId: string; draft: Draft }) {
  const uploading = draft.progress !== null;
  useEffect(() => {
    for (const f of draft.files) {
      if (f.thumb || !f.file.type.startsWith('image/') || thumbsMade.has(f.file)) continue;
      thumbsMade.add(f.file);
      void makeThumb(channelId, f);
    }
  }, [channelId, draft.files]);
  const pct = Math.round((draft.progress ?? 0) * 100);
  return (
    <div className="composer-files">
      {draft.files.length > 0 && (
        <ul className="pending-files" aria-label={`Files to send: ${draft.files.length}, ${formatBytes(totalBytes(draft.files))}`}>
          {draft.files.map((f) => (
            <li key={f.key} className={f.spoiler ? 'pending-file spoiler' : 'pending-file'} data-filename={f.file.name}>
              <div className="pending-file-preview" aria-hidden="true">
                {f.thumb ? <img src={f.thumb} alt="" /> : <Icon name="file" size={36} />}
                {f.spoiler && <span className="pending-file-spoiler-tag">SPOILER</span>}
              </div>
              <div className="pending-file-name ellipsis" title={f.file.name}>
                {f.file.name}
              </div>
              <div className="pending-file-size muted small">{formatBytes(f.file.size)}</div>
              <input
                className="pending-file-alt"
                aria-label={`Description (alt text) of ${f.file.name}`}
                placeholder="Add a description"
                maxLength={1024}
                value={f.description}
                disabled={uploading}
                onChange={(e) => updateFile(channelId, f.key, { description: e.target.value })}
              />
              <div className="pending-file-actions">
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Mark ${f.file.name} as spoiler`}
                  title="Spoiler"
                  aria-pressed={f.spoiler}
                  disabled={uploading}
                  onClick={() => updateFile(channelId, f.key, { spoiler: !f.spoiler })}
                >
                  <Icon name={f.spoiler ? 'eyeOff' : 'eye'} size={18} />
                </button>
                <button type="button" className="icon-button danger" aria-label={`Remove ${f.file.name}`} title="Remove" disabled={uploading} onClick={() => removeFile(channelId, f.key)}>
                  <Icon name="trash" size={18} />
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {uploading && (
        <div className="upload-progress">
          <span className="small">Uploading {draft.files.length === 1 ? draft.files[0]!.file.name : `${draft.files.length} files`}… {pct}%</span>
          <div className="upload-bar" role="progressbar" aria-label="Upload progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
            <div style={{ width: `${pct}%` }} />
          </div>
          <button type="button" className="link-button small" onClick={() => cancelUpload(channelId)}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}

