/**
 * User Settings → Authorized Apps: the applications the user let into their account through OAuth2 (GET
 * /oauth2/tokens), each with what it may do and "Deauthorize", which ends its access at once (DELETE
 * /oauth2/tokens/{application id}).
 */
import { useEffect, useState } from 'react';
import { rest } from '../api.ts';
import { errorText } from '../session.ts';
import { SCOPE_TEXT } from './OAuth2Authorize.tsx';

interface AuthorizedApp {
  id: string;
  scopes: string[];
  application: { id: string; name: string; description?: string };
}

export function AuthorizedApps() {
  const [apps, setApps] = useState<AuthorizedApp[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    rest.get<AuthorizedApp[]>('/oauth2/tokens').then(setApps, (err) => setError(errorText(err)));
  }, []);
  if (error && !apps) return <p className="form-error" role="alert">{error}</p>;
  if (!apps) return <p className="muted" role="status">Loading authorized apps…</p>;
  return (
    <div className="stack">
      {error && <p className="form-error" role="alert">{error}</p>}
      {apps.length === 0 ? (
        <p className="muted">No apps have access to your account.</p>
      ) : (
        <ul className="settings-list" aria-label="Authorized apps">
          {apps.map((a) => (
            <li key={a.id} className="row authorized-app" data-application-id={a.id}>
              <div className="grow">
                <strong>{a.application.name}</strong>
                <ul className="oauth2-scopes small muted">
                  {a.scopes.map((s) => (
                    <li key={s}>{SCOPE_TEXT[s] ?? s}</li>
                  ))}
                </ul>
              </div>
              <button
                type="button"
                className="button small danger"
                aria-label={`Deauthorize ${a.application.name}`}
                onClick={async () => {
                  setError('');
                  try {
                    await rest.delete(`/oauth2/tokens/${a.id}`);
                    setApps((list) => list?.filter((x) => x.id !== a.id) ?? null);
                  } catch (err) {
                    setError(errorText(err));
                  }
                }}
              >
                Deauthorize
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
