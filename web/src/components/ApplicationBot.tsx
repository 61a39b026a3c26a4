/**
 * The bot of an application in the developer portal: the Public Bot and privileged-intent switches (each saved
 * as it is flipped, as flags and bot_public on PATCH /applications/{id}), the token reset (behind a confirmation;
 * the new token is shown once), adding the bot to one of the user's servers through the OAuth2 consent
 * (/oauth2/authorize, scope=bot) with a permissions preset, and the global commands it has registered.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  authorizableGuilds, authorizeBot, listGlobalCommands, PERMISSION_PRESETS, PRIVILEGED_INTENT_SWITCHES, resetBotToken, updateApplication,
  type Application, type ApplicationCommand, type AuthorizableGuild,
} from '../applications.ts';
import { P } from '../perms.ts';
import { errorText } from '../session.ts';
import { CopyField } from './CopyField.tsx';
import { Confirm } from './Modal.tsx';
import { StatusLine, type Status } from './StatusLine.tsx';

export function ApplicationBot({ app, onChange }: { app: Application; onChange: (app: Application) => void }) {
  const [token, setToken] = useState<string | null>(null);
  return (
    <section className="stack" aria-labelledby={`bot-heading-${app.id}`}>
      <h3 id={`bot-heading-${app.id}`}>Bot</h3>
      {app.bot && (
        <p className="muted">
          Username <strong className="bot-username">{app.bot.username}</strong>
        </p>
      )}
      <BotSwitches app={app} onChange={onChange} />
      <BotToken app={app} token={token} onToken={setToken} />
      <AddToServer app={app} />
      <Commands app={app} token={token} />
    </section>
  );
}

function BotSwitches({ app, onChange }: { app: Application; onChange: (app: Application) => void }) {
  const [status, setStatus] = useState<Status>({});
  // Switches move at once (a switch that waits for the server feels broken); each save sends the whole wanted
  // state, so flips in quick succession cannot undo one another, and the server's answer wins once all are back.
  const [wanted, setWanted] = useState({ flags: app.flags, bot_public: app.bot_public });
  const inFlight = useRef(0);

  const save = async (next: typeof wanted, changed: keyof typeof wanted, what: string) => {
    setStatus({});
    setWanted(next);
    inFlight.current++;
    try {
      const saved = await updateApplication(app.id, { [changed]: next[changed] });
      onChange(saved);
      if (--inFlight.current === 0) setWanted({ flags: saved.flags, bot_public: saved.bot_public });
      setStatus({ ok: `${what} saved.` });
    } catch (err) {
      if (--inFlight.current === 0) setWanted({ flags: app.flags, bot_public: app.bot_public });
      setStatus({ error: errorText(err, changed) });
    }
  };

  return (
    <fieldset className="bot-switches">
      <legend>Settings</legend>
      <label className="check-row toggle">
        <input type="checkbox" role="switch" name="bot_public" checked={wanted.bot_public} onChange={(e) => void save({ ...wanted, bot_public: e.target.checked }, 'bot_public', 'Public Bot')} />
        <span>
          Public Bot
          <span className="muted small block">Anyone can add it to their server; off, only you can.</span>
        </span>
      </label>
      <h4 className="small-heading">Privileged Gateway Intents</h4>
      {PRIVILEGED_INTENT_SWITCHES.map((s) => {
        const on = Boolean(wanted.flags & (s.flag | s.limited));
        return (
          <label key={s.flag} className="check-row toggle">
            <input
              type="checkbox"
              role="switch"
              checked={on}
              // Off clears the *_LIMITED flag too: either one lets the bot ask for the intent.
              onChange={(e) => void save({ ...wanted, flags: e.target.checked ? wanted.flags | s.flag : wanted.flags & ~(s.flag | s.limited) }, 'flags', s.label)}
            />
            <span>
              {s.label}
              <span className="muted small block">{s.hint}</span>
            </span>
          </label>
        );
      })}
      <StatusLine status={status} />
    </fieldset>
  );
}

function BotToken({ app, token, onToken }: { app: Application; token: string | null; onToken: (token: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <fieldset className="bot-token">
      <legend>Token</legend>
      {token ? (
        <>
          <p className="token-warning" role="alert">
            Copy your token now: it will not be shown again. Anyone with it controls your bot; never share it.
          </p>
          <CopyField label="Bot token" value={token} name="bot-token" secret />
        </>
      ) : (
        <p className="muted small">The token is shown once, when it is reset. Resetting it stops the bot's running sessions.</p>
      )}
      <div>
        <button type="button" className="button danger small" onClick={() => setConfirming(true)}>
          Reset Token
        </button>
      </div>
      {confirming && (
        <Confirm
          title="Reset bot token?"
          body={<p>Your bot will stop working until you update its code with the new token.</p>}
          confirmLabel="Yes, reset it"
          onConfirm={async () => onToken((await resetBotToken(app.id)).token)}
          onClose={() => setConfirming(false)}
        />
      )}
    </fieldset>
  );
}

/** Whether `have` (a server's permissions for the user) covers `want`: administrators hold every bit. */
const covers = (have: bigint, want: bigint) => (have & P.ADMINISTRATOR) === P.ADMINISTRATOR || (have & want) === want;

function AddToServer({ app }: { app: Application }) {
  const [guilds, setGuilds] = useState<AuthorizableGuild[] | null>(null);
  const [guildId, setGuildId] = useState('');
  const [preset, setPreset] = useState(PERMISSION_PRESETS[1]!.id);
  const [status, setStatus] = useState<Status>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    authorizableGuilds(app.id).then(
      (g) => {
        if (!live) return;
        setGuilds(g);
        setGuildId((id) => id || g[0]?.id || '');
      },
      (err) => live && setStatus({ error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [app.id]);

  const guild = guilds?.find((g) => g.id === guildId);
  const held = (() => {
    try {
      return BigInt(guild?.permissions ?? '0');
    } catch {
      return 0n;
    }
  })();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || !guild) return;
    const bits = PERMISSION_PRESETS.find((p) => p.id === preset)!.bits;
    setStatus({});
    setBusy(true);
    try {
      await authorizeBot(app.id, guild.id, bits);
      setStatus({ ok: `${app.bot?.username ?? app.name} was added to ${guild.name}.` });
    } catch (err) {
      setStatus({ error: errorText(err, 'guild_id') });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack add-to-server" onSubmit={submit} aria-labelledby={`add-heading-${app.id}`}>
      <h4 className="small-heading" id={`add-heading-${app.id}`}>Add to Server</h4>
      {guilds && guilds.length === 0 && <p className="muted">You have no server where you may add bots (it takes the Manage Server permission).</p>}
      {guilds && guilds.length > 0 && (
        <>
          <label>
            Server
            <select name="guild" value={guildId} onChange={(e) => (setGuildId(e.target.value), setStatus({}))}>
              {guilds.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Permissions
            <select name="permissions" value={preset} onChange={(e) => (setPreset(e.target.value), setStatus({}))}>
              {PERMISSION_PRESETS.map((p) => (
                // The server refuses a grant beyond the user's own permissions there; so does the menu.
                <option key={p.id} value={p.id} disabled={Boolean(guild?.permissions) && !covers(held, p.bits)}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <div className="modal-actions">
            <button type="submit" className="button" aria-disabled={busy}>
              Add to Server
            </button>
          </div>
        </>
      )}
      {!guilds && !status.error && <p className="muted">Loading servers…</p>}
      <StatusLine status={status} />
    </form>
  );
}

function Commands({ app, token }: { app: Application; token: string | null }) {
  const [commands, setCommands] = useState<ApplicationCommand[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!token) return;
    let live = true;
    setError('');
    listGlobalCommands(app.id, token).then(
      (c) => live && setCommands(c),
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [app.id, token]);

  return (
    <section className="stack app-commands" aria-labelledby={`commands-heading-${app.id}`}>
      <h4 className="small-heading" id={`commands-heading-${app.id}`}>Registered Commands</h4>
      {/* Only the bot's own token may list them (Discord's rule), and it is only known right after a reset. */}
      {!token && <p className="muted small">Shown after a token reset: commands are read with the bot's token.</p>}
      {error && <p className="form-error" role="alert">{error}</p>}
      {token && !commands && !error && <p className="muted">Loading commands…</p>}
      {commands && commands.length === 0 && <p className="muted">No global commands registered.</p>}
      {commands && commands.length > 0 && (
        <ul className="settings-list" aria-label="Global commands">
          {commands.map((c) => (
            <li key={c.id} className="app-command">
              <strong>{c.type === undefined || c.type === 1 ? `/${c.name}` : c.name}</strong> <span className="muted">{c.description}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
