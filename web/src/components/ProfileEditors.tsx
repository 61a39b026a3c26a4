/**
 * The parts of a profile form shared by User Settings' Profiles tab (the user's own banner and About Me) and Edit
 * Server Profile (ServerProfile.tsx, the member's in one guild): a banner picker with its preview, and the About
 * Me box with Discord's 190-character limit.
 */
import { ImagePickButton } from './ImagePickButton.tsx';

/** Discord's limit for About Me, user and member alike. */
export const BIO_MAX = 190;

/**
 * `picked`: a data URI not saved yet, null to remove the banner, undefined: unchanged (`currentUrl` shown).
 * `fallback` says what shows when there is none (the user's banner, in a server profile).
 */
export function BannerEditor({ currentUrl, picked, onPick, onError, fallback }: {
  currentUrl: string | null;
  picked: string | null | undefined;
  onPick: (value: string | null | undefined) => void;
  onError: (message: string) => void;
  fallback: string;
}) {
  const shown = picked === undefined ? currentUrl : picked;
  return (
    <fieldset className="banner-editor">
      <legend>Banner</legend>
      <div className="banner-preview" data-testid="banner-preview">
        {shown ? <img src={shown} alt="Banner preview" /> : <span className="muted small">{fallback}</span>}
      </div>
      <div className="avatar-editor-actions">
        <ImagePickButton label="Change Banner" onPick={(uri) => onPick(uri)} onError={onError} />
        {shown && (
          <button type="button" className="link-button small" onClick={() => onPick(currentUrl ? null : undefined)}>
            Remove Banner
          </button>
        )}
        {picked !== undefined && (
          <span className="muted small" role="status">
            {picked ? 'New banner: save to use it.' : 'Banner removed: save to confirm.'}
          </span>
        )}
      </div>
    </fieldset>
  );
}

export function AboutMeField({ value, onChange, placeholder }: { value: string; onChange: (value: string) => void; placeholder?: string }) {
  return (
    <label>
      About Me
      <textarea name="bio" rows={4} value={value} maxLength={BIO_MAX} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
      <span className="muted small bio-count" aria-live="polite">{BIO_MAX - value.length} characters left</span>
    </label>
  );
}
