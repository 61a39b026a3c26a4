/**
 * Server Settings → Community (Manage Server): the welcome screen editor, the widget (on/off, its invite channel, and
 * its image previewed in each style with the link to embed it) and the vanity invite code (the owner sets it; others see it and its uses). Members tab tools: "Prune"
 * (with the count of members it would remove, as Discord's dialog shows it) and "Ban Members" (several at once,
 * POST /guilds/{id}/bulk-ban). The welcome screen a member sees once right after joining is WelcomeGate.tsx.
 */
import { useEffect, useMemo, useState } from 'react';
import {
  PRUNE_DAYS, bulkBan, canBulkBan, canManageGuild, canPrune, fetchGuildFeatures, getVanity, getWelcomeScreen, getWidget, isOwner,
  pruneCount, pruneMembers, saveWelcomeScreen, saveWidget, setVanity, type WelcomeChannel,
} from '../guild-community.ts';
import { BAN_DELETE_WINDOWS } from '../moderation.ts';
import { errorText } from '../session.ts';
import { displayName, useStore } from '../store.ts';
import { ChannelType } from '../types.ts';
import { Modal } from './Modal.tsx';

/** The styles of GET /guilds/{id}/widget.png, as Discord names them. */
const WIDGET_IMAGE_STYLES = ['shield', 'banner1', 'banner2', 'banner3', 'banner4'] as const;

/** The settings tabs, with Community for those who may manage the server. */
export function useCommunityTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'community', string]> {
  const allowed = useStore((s) => canManageGuild(s, guildId));
  return useMemo(() => (allowed ? [...tabs, ['community', 'Community']] : [...tabs]), [allowed, tabs]);
}

export function CommunityTab({ guildId }: { guildId: string }) {
  return (
    <div className="stack community-settings">
      <WelcomeScreenEditor guildId={guildId} />
      <WidgetEditor guildId={guildId} />
      <VanityEditor guildId={guildId} />
    </div>
  );
}

function useTextChannels(guildId: string) {
  const channels = useStore((s) => s.channels);
  return useMemo(
    () => Object.values(channels).filter((c) => c.guild_id === guildId && (c.type === ChannelType.GUILD_TEXT || c.type === ChannelType.GUILD_ANNOUNCEMENT)).sort((a, b) => (a.position ?? 0) - (b.position ?? 0)),
    [channels, guildId],
  );
}

function WelcomeScreenEditor({ guildId }: { guildId: string }) {
  const channels = useTextChannels(guildId);
  const [loaded, setLoaded] = useState(false);
  const [enabled, setEnabled] = useState(false);
  const [description, setDescription] = useState('');
  const [rows, setRows] = useState<WelcomeChannel[]>([]);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    Promise.all([getWelcomeScreen(guildId), fetchGuildFeatures(guildId)]).then(([w, features]) => {
      if (!live) return;
      setDescription(w.description ?? '');
      setRows(w.welcome_channels);
      setEnabled(features.includes('WELCOME_SCREEN_ENABLED'));
      setLoaded(true);
    }, (err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [guildId]);
  const update = (i: number, patch: Partial<WelcomeChannel>) => setRows((r) => r.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  if (!loaded) return error ? <p className="form-error" role="alert">{error}</p> : <p className="muted" role="status">Loading welcome screen…</p>;
  return (
    <form
      className="stack"
      aria-label="Welcome screen"
      onSubmit={async (e) => {
        e.preventDefault();
        setError('');
        setStatus('');
        try {
          await saveWelcomeScreen(guildId, { enabled, description: description.trim() || null, welcome_channels: rows.filter((r) => r.channel_id && r.description.trim()) });
          setStatus('Welcome screen saved.');
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <h3>Welcome Screen</h3>
      <p className="muted small">New members see this when they join: a short description and up to five channels to start in.</p>
      <label className="check-row">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Show the welcome screen to new members
      </label>
      <label>
        Server description
        <textarea name="welcome-description" value={description} maxLength={140} onChange={(e) => setDescription(e.target.value)} rows={2} />
      </label>
      {rows.map((r, i) => (
        <fieldset key={i} className="row wrap welcome-channel-row">
          <legend className="sr-only">Welcome channel {i + 1}</legend>
          <label>
            Channel
            <select aria-label={`Welcome channel ${i + 1}`} value={r.channel_id} onChange={(e) => update(i, { channel_id: e.target.value })}>
              {channels.map((c) => (
                <option key={c.id} value={c.id}>
                  #{c.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Emoji
            <input aria-label={`Emoji ${i + 1}`} value={r.emoji_name ?? ''} maxLength={8} size={3} onChange={(e) => update(i, { emoji_name: e.target.value || null, emoji_id: null })} />
          </label>
          <label className="grow">
            Description
            <input aria-label={`Description ${i + 1}`} value={r.description} maxLength={42} onChange={(e) => update(i, { description: e.target.value })} />
          </label>
          <button type="button" className="link-button small" onClick={() => setRows((x) => x.filter((_, j) => j !== i))}>
            Remove
          </button>
        </fieldset>
      ))}
      {rows.length < 5 && channels.length > 0 && (
        <button type="button" className="button secondary small" onClick={() => setRows((x) => [...x, { channel_id: channels[0]!.id, description: '', emoji_id: null, emoji_name: null }])}>
          Add Channel
        </button>
      )}
      {error && <p className="form-error" role="alert">{error}</p>}
      {status && <p className="muted small" role="status">{status}</p>}
      <button type="submit" className="button">
        Save Welcome Screen
      </button>
    </form>
  );
}

function WidgetEditor({ guildId }: { guildId: string }) {
  const channels = useTextChannels(guildId);
  const [settings, setSettings] = useState<{ enabled: boolean; channel_id: string | null } | null>(null);
  // What the server holds: the image is asked for only once the widget is on there, or the preview would load
  // the refusal (50004) while the switch is still being saved, and a broken image is not fetched again.
  const [savedEnabled, setSavedEnabled] = useState(false);
  const [error, setError] = useState('');
  const [style, setStyle] = useState<(typeof WIDGET_IMAGE_STYLES)[number]>('banner2');
  useEffect(() => {
    let live = true;
    getWidget(guildId).then((w) => {
      if (!live) return;
      setSettings(w);
      setSavedEnabled(w.enabled);
    }, (err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [guildId]);
  // The controls show the change at once and fall back to what was there if the server refuses it: a controlled
  // checkbox that waited for the answer snapped back under the click first.
  const save = async (next: { enabled: boolean; channel_id: string | null }) => {
    const before = settings;
    setError('');
    setSettings(next);
    try {
      const saved = await saveWidget(guildId, next);
      setSettings(saved);
      setSavedEnabled(saved.enabled);
    } catch (err) {
      setSettings(before);
      setError(errorText(err));
    }
  };
  return (
    <section className="stack" aria-label="Server widget">
      <h3>Server Widget</h3>
      {settings && (
        <>
          <label className="check-row">
            <input type="checkbox" checked={settings.enabled} onChange={(e) => void save({ ...settings, enabled: e.target.checked })} /> Enable Server Widget
          </label>
          <label>
            Invite channel
            <select value={settings.channel_id ?? ''} onChange={(e) => void save({ ...settings, channel_id: e.target.value || null })}>
              <option value="">No invite</option>
              {channels.map((c) => (
                <option key={c.id} value={c.id}>
                  #{c.name}
                </option>
              ))}
            </select>
          </label>
          {settings.enabled && (
            <>
              <p className="muted small">
                Widget JSON: <code>{`${location.origin}/api/v10/guilds/${guildId}/widget.json`}</code>
              </p>
              <label>
                Image style
                <select value={style} onChange={(e) => setStyle(e.target.value as typeof style)}>
                  {WIDGET_IMAGE_STYLES.map((s) => (
                    <option key={s} value={s}>
                      {s === 'shield' ? 'Shield' : `Banner ${s.slice(-1)}`}
                    </option>
                  ))}
                </select>
              </label>
              {/* The image as others embed it: the public widget.png, which the server draws. */}
              {savedEnabled && <img className="widget-preview" src={`/api/v10/guilds/${guildId}/widget.png?style=${style}`} alt={`Server widget image, ${style}`} />}
              <p className="muted small">
                Widget image: <code>{`${location.origin}/api/v10/guilds/${guildId}/widget.png?style=${style}`}</code>
              </p>
            </>
          )}
        </>
      )}
      {error && <p className="form-error" role="alert">{error}</p>}
    </section>
  );
}

function VanityEditor({ guildId }: { guildId: string }) {
  const owner = useStore((s) => isOwner(s, guildId));
  const [data, setData] = useState<{ code: string | null; uses: number } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  useEffect(() => {
    let live = true;
    getVanity(guildId).then((d) => live && (setData(d), setCode(d.code ?? '')), (err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [guildId]);
  return (
    <form
      className="stack"
      aria-label="Vanity URL"
      onSubmit={async (e) => {
        e.preventDefault();
        setError('');
        setStatus('');
        try {
          const g = await setVanity(guildId, code.trim() || null);
          setData((d) => ({ code: g.vanity_url_code, uses: g.vanity_url_code === d?.code ? d.uses : 0 }));
          setStatus(g.vanity_url_code ? 'Vanity URL saved.' : 'Vanity URL removed.');
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <h3>Vanity URL</h3>
      <p className="muted small">
        {data?.code ? (
          <>
            <code>{`${location.origin}/invite/${data.code}`}</code> — used {data.uses} {data.uses === 1 ? 'time' : 'times'}
          </>
        ) : (
          'No vanity URL.'
        )}
      </p>
      {owner ? (
        <>
          <label>
            Invite code
            <input name="vanity-code" value={code} maxLength={32} pattern="[A-Za-z0-9\-]{2,32}" onChange={(e) => setCode(e.target.value)} placeholder="my-server" />
          </label>
          <button type="submit" className="button">
            Save Vanity URL
          </button>
        </>
      ) : (
        <p className="muted small">Only the server owner can change it.</p>
      )}
      {error && <p className="form-error" role="alert">{error}</p>}
      {status && <p className="muted small" role="status">{status}</p>}
    </form>
  );
}

// ------------------------------------------------------------------------------------------- members tools

export function MemberTools({ guildId }: { guildId: string }) {
  const prune = useStore((s) => canPrune(s, guildId));
  const ban = useStore((s) => canBulkBan(s, guildId));
  const [open, setOpen] = useState<'prune' | 'ban' | null>(null);
  if (!prune && !ban) return null;
  return (
    <div className="row member-tools">
      {prune && (
        <button type="button" className="button secondary small" onClick={() => setOpen('prune')}>
          Prune
        </button>
      )}
      {ban && (
        <button type="button" className="button secondary small" onClick={() => setOpen('ban')}>
          Ban Members
        </button>
      )}
      {open === 'prune' && <PruneDialog guildId={guildId} onClose={() => setOpen(null)} />}
      {open === 'ban' && <BulkBanDialog guildId={guildId} onClose={() => setOpen(null)} />}
    </div>
  );
}

function PruneDialog({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const guild = useStore((s) => s.guilds[guildId]);
  const [days, setDays] = useState(7);
  const [roles, setRoles] = useState<string[]>([]);
  const [count, setCount] = useState<number | null>(null);
  const [error, setError] = useState('');
  const [done, setDone] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const roleKey = roles.join(',');
  useEffect(() => {
    let live = true;
    setCount(null);
    pruneCount(guildId, days, roles).then((r) => live && setCount(r.pruned), (err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [guildId, days, roleKey]);
  const choices = Object.values(guild?.roles ?? {}).filter((r) => r.id !== guildId && !r.managed).sort((a, b) => b.position - a.position);
  return (
    <Modal title="Prune Members" onClose={onClose}>
      <form
        className="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (busy) return;
          setBusy(true);
          setError('');
          try {
            setDone((await pruneMembers(guildId, days, roles)).pruned ?? 0);
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <p className="muted small">Removes members who have no roles and have not posted a message in this server for the chosen time. They can rejoin with an invite.</p>
        <label>
          Last seen
          <select name="prune-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {PRUNE_DAYS.map((d) => (
              <option key={d} value={d}>
                {d === 1 ? 'more than 1 day ago' : `more than ${d} days ago`}
              </option>
            ))}
          </select>
        </label>
        {choices.length > 0 && (
          <fieldset>
            <legend>Also include members with these roles</legend>
            {choices.map((r) => (
              <label key={r.id} className="check-row">
                <input type="checkbox" checked={roles.includes(r.id)} onChange={(e) => setRoles((x) => (e.target.checked ? [...x, r.id] : x.filter((y) => y !== r.id)))} /> {r.name}
              </label>
            ))}
          </fieldset>
        )}
        <p role="status" data-testid="prune-count">
          {done !== null ? `Pruned ${done} ${done === 1 ? 'member' : 'members'}.` : count === null ? 'Counting…' : `${count} ${count === 1 ? 'member' : 'members'} will be removed.`}
        </p>
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="modal-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            {done !== null ? 'Done' : 'Cancel'}
          </button>
          {done === null && (
            <button type="submit" className="button danger" disabled={!count} aria-disabled={busy}>
              Prune
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}

function BulkBanDialog({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const state = useStore((s) => s);
  const members = useStore((s) => s.members[guildId]);
  const me = useStore((s) => s.me);
  const [picked, setPicked] = useState<string[]>([]);
  const [seconds, setSeconds] = useState(0);
  const [error, setError] = useState('');
  const [result, setResult] = useState<{ banned_users: string[]; failed_users: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const owner = state.guilds[guildId]?.owner_id;
  const candidates = Object.keys(members ?? {}).filter((id) => id !== me?.id && id !== owner);
  return (
    <Modal title="Ban Members" onClose={onClose}>
      <form
        className="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (busy || !picked.length) return;
          setBusy(true);
          setError('');
          try {
            setResult(await bulkBan(guildId, picked, seconds));
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <fieldset className="bulk-ban-list">
          <legend>Members to ban</legend>
          {candidates.length === 0 && <p className="muted small">No members to ban.</p>}
          {candidates.map((id) => (
            <label key={id} className="check-row" data-user-id={id}>
              <input type="checkbox" checked={picked.includes(id)} onChange={(e) => setPicked((x) => (e.target.checked ? [...x, id] : x.filter((y) => y !== id)))} />{' '}
              {displayName(state, id, guildId)}
            </label>
          ))}
        </fieldset>
        <label>
          Delete message history
          <select value={seconds} onChange={(e) => setSeconds(Number(e.target.value))}>
            {BAN_DELETE_WINDOWS.map((w) => (
              <option key={w.seconds} value={w.seconds}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        {result && (
          <p role="status">
            Banned {result.banned_users.length} {result.banned_users.length === 1 ? 'member' : 'members'}
            {result.failed_users.length ? `; ${result.failed_users.length} could not be banned.` : '.'}
          </p>
        )}
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="modal-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            {result ? 'Done' : 'Cancel'}
          </button>
          {!result && (
            <button type="submit" className="button danger" disabled={!picked.length} aria-disabled={busy}>
              Ban {picked.length || ''}
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}
