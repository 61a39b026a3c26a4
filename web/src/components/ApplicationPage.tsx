/**
 * One application in the developer portal: its general information (icon, name, description), the keys a bot
 * author copies (Application ID, Public Key), the Interactions Endpoint URL (which the server checks with a PING
 * before keeping it; its refusal is shown under the field), OAuth2 (ApplicationOAuth2.tsx), the app's own emoji
 * (ApplicationEmojis.tsx), its Linked Roles metadata (ApplicationLinkedRoles.tsx) and the bot (ApplicationBot.tsx).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { applicationIconUrl, updateApplication, type Application } from '../applications.ts';
import { ApiError } from '../api.ts';
import { errorText } from '../session.ts';
import { GuildIcon } from './Avatar.tsx';
import { ApplicationBot } from './ApplicationBot.tsx';
import { ApplicationOAuth2 } from './ApplicationOAuth2.tsx';
import { ApplicationEmojis } from './ApplicationEmojis.tsx';
import { ApplicationLinkedRoles } from './ApplicationLinkedRoles.tsx';
import { CopyField } from './CopyField.tsx';
import { Icon } from './Icon.tsx';
import { ImagePickButton } from './ImagePickButton.tsx';
import { StatusLine, type Status } from './StatusLine.tsx';


export function ApplicationPage({ app, onChange, onBack }: { app: Application; onChange: (app: Application) => void; onBack: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening an application moves focus to its page, as a new view would.
  useEffect(() => heading.current?.focus(), []);
  return (
    <div className="stack developer application-page" data-application-id={app.id}>
      <div className="application-head">
        <button type="button" className="icon-button" aria-label="Back to My Applications" title="Back to My Applications" onClick={onBack}>
          <Icon name="left" />
        </button>
        <h3 ref={heading} tabIndex={-1} className="ellipsis">{app.name}</h3>
      </div>
      <GeneralInformation app={app} onChange={onChange} />
      <CopyField label="Application ID" value={app.id} name="application-id" />
      <CopyField label="Public Key" value={app.verify_key} name="public-key" />
      <InteractionsEndpoint app={app} onChange={onChange} />
      <ApplicationOAuth2 app={app} onChange={onChange} />
      <ApplicationEmojis app={app} />
      <ApplicationLinkedRoles app={app} />
      <ApplicationBot app={app} onChange={onChange} />
    </div>
  );
}

function GeneralInformation({ app, onChange }: { app: Application; onChange: (app: Application) => void }) {
  const [name, setName] = useState(app.name);
  const [description, setDescription] = useState(app.description);
  /** A picked icon not saved yet (a data URI), null to remove the icon, undefined: unchanged. */
  const [icon, setIcon] = useState<string | null | undefined>(undefined);
  const [status, setStatus] = useState<Status>({});
  const [busy, setBusy] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setStatus({});
    const patch: { name?: string; description?: string; icon?: string | null } = {};
    if (name.trim() !== app.name) patch.name = name.trim();
    if (description !== app.description) patch.description = description;
    if (icon !== undefined) patch.icon = icon;
    if (!Object.keys(patch).length) return setStatus({ ok: 'Nothing to save.' });
    setBusy(true);
    try {
      onChange(await updateApplication(app.id, patch));
      setIcon(undefined);
      setStatus({ ok: 'Saved.' });
    } catch (err) {
      setStatus({ error: errorText(err, patch.name !== undefined ? 'name' : patch.icon !== undefined ? 'icon' : 'description') });
    } finally {
      setBusy(false);
    }
  }

  const hasIcon = icon !== undefined ? icon !== null : Boolean(app.icon);
  return (
    <form className="stack" onSubmit={save} aria-label="General information">
      <fieldset className="avatar-editor">
        <legend>App Icon</legend>
        <GuildIcon guild={app} size={80} preview={icon !== undefined ? icon : applicationIconUrl(app, 80)} />
        <div className="avatar-editor-actions">
          <ImagePickButton label="Change Icon" onPick={(uri) => (setIcon(uri), setStatus({}))} onError={(error) => setStatus({ error })} />
          {hasIcon && (
            <button type="button" className="link-button small" onClick={() => setIcon(app.icon ? null : undefined)}>
              Remove Icon
            </button>
          )}
          {icon !== undefined && (
            <span className="muted small" role="status">
              {icon ? 'New icon: save to use it.' : 'Icon removed: save to confirm.'}
            </span>
          )}
        </div>
      </fieldset>
      <label>
        Name
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} minLength={2} maxLength={32} required />
      </label>
      <label>
        Description
        <textarea name="description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={400} rows={3} />
      </label>
      <StatusLine status={status} />
      <div className="modal-actions">
        <button type="submit" className="button" aria-disabled={busy}>
          Save Changes
        </button>
      </div>
    </form>
  );
}

function InteractionsEndpoint({ app, onChange }: { app: Application; onChange: (app: Application) => void }) {
  const [url, setUrl] = useState(app.interactions_endpoint_url ?? '');
  const [status, setStatus] = useState<Status>({});
  const [busy, setBusy] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setStatus({});
    const wanted = url.trim() || null;
    setBusy(true);
    try {
      const next = await updateApplication(app.id, { interactions_endpoint_url: wanted });
      onChange(next);
      // A server without the field ignores it (an unknown key): say so rather than claim it was kept.
      if ((next.interactions_endpoint_url ?? null) !== wanted) setStatus({ error: 'This server did not keep the URL: it does not support an interactions endpoint.' });
      else setStatus({ ok: wanted ? 'Saved: the endpoint answered the verification PING.' : 'Endpoint removed: interactions go over the gateway.' });
    } catch (err) {
      // 50035 with the PING's failure under interactions_endpoint_url, as Discord's portal shows it.
      setStatus({ error: err instanceof ApiError ? err.fieldMessage('interactions_endpoint_url') : errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={save} aria-label="Interactions endpoint">
      <label>
        Interactions Endpoint URL
        <input
          name="interactions_endpoint_url"
          type="url"
          inputMode="url"
          placeholder="https://example.com/interactions"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          aria-invalid={Boolean(status.error)}
          aria-describedby={status.error ? 'interactions-endpoint-help interactions-endpoint-error' : 'interactions-endpoint-help'}
        />
      </label>
      <p className="muted small" id="interactions-endpoint-help">
        Interactions are sent here as HTTP POSTs instead of over the gateway. Accord checks the URL with a signed PING first.
      </p>
      <StatusLine status={status} id="interactions-endpoint-error" />
      <div className="modal-actions">
        <button type="submit" className="button" aria-disabled={busy}>
          Save Endpoint
        </button>
      </div>
    </form>
  );
}
