/**
 * The developer portal's OAuth2 section of an application: its Client ID, the client secret (reset, then shown
 * once: only its hash is kept), and the redirect URIs the authorization code grant may send users back to, as
 * Discord's portal has them. The server checks every change (src/api/routes/oauth2.ts, applications.ts).
 */
import { useState, type FormEvent } from 'react';
import { resetClientSecret, updateApplication, type Application } from '../applications.ts';
import { errorText } from '../session.ts';
import { CopyField } from './CopyField.tsx';
import { StatusLine, type Status } from './StatusLine.tsx';

export function ApplicationOAuth2({ app, onChange }: { app: Application; onChange: (app: Application) => void }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [uris, setUris] = useState<string[]>(app.redirect_uris ?? []);
  const [adding, setAdding] = useState('');
  const [status, setStatus] = useState<Status>({});

  const save = async (next: string[]) => {
    setStatus({});
    try {
      const updated = await updateApplication(app.id, { redirect_uris: next });
      onChange(updated);
      setUris(updated.redirect_uris ?? next);
      setStatus({ ok: 'Redirects saved.' });
    } catch (err) {
      setStatus({ error: errorText(err) });
    }
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    const uri = adding.trim();
    if (!uri || uris.includes(uri)) return;
    void save([...uris, uri]).then(() => setAdding(''));
  };

  return (
    <section className="stack application-oauth2" aria-label="OAuth2">
      <h4>OAuth2</h4>
      <CopyField label="Client ID" value={app.id} name="client-id" />
      {secret ? (
        <CopyField label="Client Secret" value={secret} name="client-secret" secret />
      ) : (
        <p className="muted small">The client secret is shown once, when it is reset. Keep it on your server, never in a browser or an app.</p>
      )}
      <div className="row">
        <button
          type="button"
          className="button secondary"
          onClick={async () => {
            setStatus({});
            try {
              setSecret((await resetClientSecret(app.id)).secret);
            } catch (err) {
              setStatus({ error: errorText(err) });
            }
          }}
        >
          Reset Secret
        </button>
      </div>
      <h5>Redirects</h5>
      {uris.length === 0 ? (
        <p className="muted small">No redirects yet: the authorization code grant sends users only to one listed here.</p>
      ) : (
        <ul className="settings-list" aria-label="Redirects">
          {uris.map((u) => (
            <li key={u} className="row">
              <span className="grow mono ellipsis">{u}</span>
              <button type="button" className="button small danger" aria-label={`Remove ${u}`} onClick={() => void save(uris.filter((x) => x !== u))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="row" onSubmit={add} aria-label="Add a redirect">
        <label className="grow">
          Redirect URI
          <input type="url" inputMode="url" placeholder="https://example.com/callback" value={adding} onChange={(e) => setAdding(e.target.value)} />
        </label>
        <button type="submit" className="button small" disabled={!adding.trim() || uris.length >= 10}>
          Add Redirect
        </button>
      </form>
      <StatusLine status={status} />
    </section>
  );
}
