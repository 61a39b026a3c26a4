/**
 * The "My Applications" tab of User Settings, a developer portal inside the client: the user's applications
 * (icon, name, id), a "New Application" form that creates one and opens it, and the open application's page
 * (ApplicationPage.tsx). Going back to the list puts focus on the application that was open.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { applicationIconUrl, createApplication, listApplications, type Application } from '../applications.ts';
import { errorText } from '../session.ts';
import { ApplicationPage } from './ApplicationPage.tsx';
import { GuildIcon } from './Avatar.tsx';

export function DeveloperSettings() {
  const [apps, setApps] = useState<Application[] | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [error, setError] = useState('');
  /** The application whose row gets focus when the list is shown again. */
  const returnTo = useRef<string | null>(null);
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    let live = true;
    listApplications().then(
      (a) => live && setApps(a),
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (openId || !returnTo.current) return;
    list.current?.querySelector<HTMLElement>(`[data-application-id="${returnTo.current}"]`)?.focus();
    returnTo.current = null;
  }, [openId]);

  const open = apps?.find((a) => a.id === openId);
  if (open) {
    return (
      <ApplicationPage
        key={open.id}
        app={open}
        onChange={(next) => setApps((all) => all?.map((a) => (a.id === next.id ? next : a)) ?? null)}
        onBack={() => {
          returnTo.current = open.id;
          setOpenId(null);
        }}
      />
    );
  }

  return (
    <div className="stack developer">
      <h3>My Applications</h3>
      <p className="muted">Applications let you run a bot on Accord with any Discord library. Create one, reset its token and add it to a server.</p>
      <NewApplication
        onCreated={(app) => {
          setApps((all) => [...(all ?? []), app]);
          setOpenId(app.id);
        }}
      />
      {error && <p className="form-error" role="alert">{error}</p>}
      {!apps && !error && <p className="muted">Loading applications…</p>}
      {apps && apps.length === 0 && <p className="muted">You have no applications yet.</p>}
      {apps && apps.length > 0 && (
        <ul ref={list} className="settings-list app-list" aria-label="My applications">
          {apps.map((a) => (
            <li key={a.id}>
              <button type="button" className="list-item app-row" data-application-id={a.id} onClick={() => setOpenId(a.id)}>
                <GuildIcon guild={a} size={40} preview={applicationIconUrl(a, 40)} />
                <span className="app-row-text">
                  <strong className="ellipsis">{a.name}</strong>
                  <span className="muted small ellipsis">ID {a.id}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function NewApplication({ onCreated }: { onCreated: (app: Application) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setError('');
    setBusy(true);
    try {
      const app = await createApplication(name.trim());
      setName('');
      onCreated(app);
    } catch (err) {
      setError(errorText(err, 'name'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="row wrap new-application" onSubmit={submit} aria-label="New application">
      <label className="grow">
        New application name
        <input name="application-name" value={name} onChange={(e) => setName(e.target.value)} minLength={2} maxLength={32} required aria-invalid={Boolean(error)} aria-describedby={error ? 'new-application-error' : undefined} />
      </label>
      <button type="submit" className="button" aria-disabled={busy}>
        New Application
      </button>
      {error && <p className="form-error full" id="new-application-error" role="alert">{error}</p>}
    </form>
  );
}
