/**
 * The page an application's authorize link opens (/oauth2/authorize?client_id=…): Discord's consent screen.
 * - `response_type=code`: the application asks for scopes (identify, email, guilds …); Authorize sends the browser to
 *   the application's registered redirect URI with a code (and its `state`), Cancel with `error=access_denied`.
 * - Otherwise a bot invite (`scope=bot`): pick one of the servers where one may Manage Server, and the bot joins
 *   it with the permissions the link asks for.
 * The server checks everything again (src/api/routes/applications.ts, oauth2.ts).
 */
import { useEffect, useState } from 'react';
import { rest } from '../api.ts';
import { expectGuild } from '../membership.ts';
import { navigate } from '../router.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import type { AuthorizableGuild } from '../applications.ts';

/** What each scope lets the application do, in the words Discord's screen uses. */
export const SCOPE_TEXT: Record<string, string> = {
  identify: 'Access your username, avatar, and banner',
  email: 'Access your email address',
  guilds: 'Know what servers you\'re in',
  'guilds.join': 'Join servers for you',
  'gdm.join': 'Join you to group DMs with the app',
  'guilds.members.read': 'Read your member info (nickname, avatar, roles) in servers you belong to',
  connections: 'Access your third-party connections',
  'role_connections.write': 'Update your connection and metadata for this app (for linked roles)',
  'sdk.social_layer': 'Put you in its game lobbies, and chat, link channels you manage and make invites to them in its lobbies as you',
};

interface Consent {
  application: { id: string; name: string; description?: string };
  scopes?: string[];
  redirect_uri?: string;
  guilds?: AuthorizableGuild[];
}

export function OAuth2AuthorizeScreen({ search }: { search: string }) {
  const query = Object.fromEntries(new URLSearchParams(search));
  const code = query.response_type === 'code';
  const me = useStore((s) => s.me);
  const [consent, setConsent] = useState<Consent | null>(null);
  const [guildId, setGuildId] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    rest.request<Consent>('GET', '/oauth2/authorize', undefined, query).then(
      (c) => {
        if (!live) return;
        setConsent(c);
        setGuildId(c.guilds?.[0]?.id ?? '');
      },
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [search]);

  async function answer(authorize: boolean) {
    setBusy(true);
    setError('');
    try {
      const body = code ? { authorize } : { authorize, guild_id: guildId, permissions: query.permissions ?? '0' };
      const { location } = await rest.request<{ location: string }>('POST', '/oauth2/authorize', body, query);
      if (code) {
        // Back to the application, with the code (or the refusal): a full page load, as Discord's screen does.
        window.location.assign(location);
        return;
      }
      if (!authorize) return navigate('/channels/@me', { replace: true });
      expectGuild(guildId);
      navigate(`/channels/${guildId}`, { replace: true });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <div className="auth-page">
      <div className="auth-card invite-card oauth2-card" role="region" aria-label="Authorize application">
        {!consent && !error && <p className="muted">Loading…</p>}
        {error && !consent && (
          <>
            <h1>Authorization failed</h1>
            <p className="muted">{error}</p>
          </>
        )}
        {consent && (
          <>
            <p className="muted">An external application</p>
            <h1>{consent.application.name}</h1>
            <p>{code ? 'wants to access your Accord account' : 'wants to join a server you manage'}</p>
            {me && <p className="muted small">Signed in as {me.global_name || me.username}</p>}
            {code ? (
              <>
                <p className="small">This will allow the developer of {consent.application.name} to:</p>
                <ul className="oauth2-scopes" aria-label="Permissions asked for">
                  {(consent.scopes ?? []).map((s) => (
                    <li key={s}>✓ {SCOPE_TEXT[s] ?? s}</li>
                  ))}
                </ul>
                {consent.redirect_uri && <p className="muted small">Once you authorize, you will be sent to {new URL(consent.redirect_uri).origin}</p>}
              </>
            ) : (consent.guilds ?? []).length === 0 ? (
              <p className="muted">You need Manage Server on a server to add this app to it.</p>
            ) : (
              <label>
                Add to server
                <select value={guildId} onChange={(e) => setGuildId(e.target.value)}>
                  {(consent.guilds ?? []).map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {error && <p className="form-error" role="alert">{error}</p>}
            <div className="row">
              <button type="button" className="button secondary" disabled={busy} onClick={() => void answer(false)}>
                Cancel
              </button>
              <button type="button" className="button" disabled={busy || (!code && !guildId)} onClick={() => void answer(true)}>
                Authorize
              </button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
