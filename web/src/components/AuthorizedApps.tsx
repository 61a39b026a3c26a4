/**
 * User Settings → Authorized Apps: the applications the user let into their account through OAuth2 (GET
 * /oauth2/tokens), each with what it may do and "Deauthorize", which ends its access at once (DELETE
 * /oauth2/tokens/{application id}). An app with `role_connections.write` shows the connection it reported (linked
 * roles: the user's account on its platform).
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
                {a.scopes.includes('role_connections.write') && <RoleConnectionLine appId={a.application.id} />}
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

interface RoleConnection {
  platform_name: string | null;
  platform_username: string | null;
  metadata: Record<string, string>;
}

/** "Connected as {username} on {platform}", as the app reported it; nothing when it has not. */
function RoleConnectionLine({ appId }: { appId: string }) {
  const [connection, setConnection] = useState<RoleConnection | null>(null);
  useEffect(() => {
    rest.get<RoleConnection>(`/users/@me/applications/${appId}/role-connection`).then(setConnection, () => {});
  }, [appId]);
  if (!connection?.platform_name && !connection?.platform_username) return null;
  return (
    <p className="small role-connection">
      Connected{connection.platform_username ? ` as ${connection.platform_username}` : ''}{connection.platform_name ? ` on ${connection.platform_name}` : ''}
    </p>
  );
}
