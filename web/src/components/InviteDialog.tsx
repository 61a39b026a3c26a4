/**
 * Invite People: a link to the channel, made at once with Discord's defaults, and "Edit invite link" for its life,
 * uses, temporary membership and, as Discord's community invites, the roles whoever accepts it gets (with Manage
 * Roles: roles below our highest) and a list of the only users who may accept it (with Manage Server: a CSV of
 * user ids, as Discord takes it through its API).
 */
import { useEffect, useMemo, useState } from 'react';
import { invitableRoles } from '../community-invites.ts';
import { P, basePermissions, has } from '../perms.ts';
import { DEFAULT_INVITE_SETTINGS, createInvite, errorText, type InviteSettings } from '../session.ts';
import { useStore } from '../store.ts';
import type { Channel } from '../types.ts';
import { Modal } from './Modal.tsx';

/** Discord's choices for an invite link's life and uses. */
const EXPIRE_CHOICES: ReadonlyArray<[number, string]> = [[1800, '30 minutes'], [3600, '1 hour'], [21600, '6 hours'], [43200, '12 hours'], [86400, '1 day'], [604800, '7 days'], [0, 'Never']];
const USES_CHOICES: ReadonlyArray<[number, string]> = [[0, 'No limit'], [1, '1 use'], [5, '5 uses'], [10, '10 uses'], [25, '25 uses'], [50, '50 uses'], [100, '100 uses']];

export function InviteDialog({ channel, guildName, onClose }: { channel: Channel; guildName: string; onClose: () => void }) {
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [copied, setCopied] = useState(false);
  const [settings, setSettings] = useState<InviteSettings>(DEFAULT_INVITE_SETTINGS);
  /** The settings being edited (Edit invite link), null while closed. */
  const [editing, setEditing] = useState<InviteSettings | null>(null);
  const guildId = channel.guild_id ?? '';
  const guild = useStore((s) => s.guilds[guildId]);
  const me = useStore((s) => s.me);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  const perms = guild && me ? basePermissions(guild, me.id, member) : 0n;
  const roleChoices = useMemo(
    () => (guild && me && has(perms, P.MANAGE_ROLES) ? invitableRoles(guild, me.id, member) : []),
    [guild, me, member, perms],
  );
  const mayTarget = has(perms, P.MANAGE_GUILD);
  useEffect(() => {
    let live = true;
    setLink(null);
    setCopied(false);
    createInvite(channel.id, settings).then(
      (l) => live && setLink(l),
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [channel.id, settings]);
  const expiry = EXPIRE_CHOICES.find(([s]) => s === settings.maxAge)?.[1] ?? `${settings.maxAge} seconds`;
  const summary = [
    settings.maxAge ? `Your invite link expires in ${expiry}` : 'Your invite link never expires',
    settings.maxUses ? `after ${settings.maxUses} use${settings.maxUses === 1 ? '' : 's'}` : '',
  ].filter(Boolean).join(' or ');
  const givenRoles = settings.roleIds.map((id) => guild?.roles[id]?.name).filter(Boolean);
  return (
    <Modal title={`Invite friends to ${guildName}`} onClose={onClose}>
      <p className="muted">Send this link to a friend. It opens Accord and joins #{channel.name}.</p>
      {error && <p className="form-error" role="alert">{error}</p>}
      <div className="copy-row">
        <input readOnly aria-label="Invite link" value={link ?? 'Creating invite…'} onFocus={(e) => e.currentTarget.select()} data-testid="invite-link" />
        <button
          type="button"
          className="button"
          disabled={!link}
          onClick={async () => {
            await navigator.clipboard?.writeText(link!).catch(() => {});
            setCopied(true);
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="muted small" data-testid="invite-summary">
        {summary}.{settings.temporary ? ' Members who join through it get temporary membership.' : ''}
        {givenRoles.length > 0 ? ` Whoever accepts it gets ${givenRoles.join(', ')}.` : ''}
        {settings.targetUsers ? ` Only the users listed in ${settings.targetUsers.name} may accept it.` : ''}{' '}
        {!editing && (
          <button type="button" className="link-button small" onClick={() => setEditing(settings)}>
            Edit invite link
          </button>
        )}
      </p>
      {editing && (
        <form
          className="stack"
          aria-label="Invite link settings"
          onSubmit={(e) => {
            e.preventDefault();
            setError('');
            setSettings(editing);
            setEditing(null);
          }}
        >
          <label>
            Expire After
            <select value={editing.maxAge} onChange={(e) => setEditing({ ...editing, maxAge: Number(e.target.value) })}>
              {EXPIRE_CHOICES.map(([s, label]) => <option key={s} value={s}>{label}</option>)}
            </select>
          </label>
          <label>
            Max Number of Uses
            <select value={editing.maxUses} onChange={(e) => setEditing({ ...editing, maxUses: Number(e.target.value) })}>
              {USES_CHOICES.map(([n, label]) => <option key={n} value={n}>{label}</option>)}
            </select>
          </label>
          <label className="row">
            <input type="checkbox" checked={editing.temporary} onChange={(e) => setEditing({ ...editing, temporary: e.target.checked })} />
            Grant temporary membership
          </label>
          <p className="muted small">Temporary members are removed when they disconnect, unless they have been given a role.</p>
          {roleChoices.length > 0 && (
            <fieldset className="stack invite-roles">
              <legend>Roles (Optional)</legend>
              <p className="muted small">Whoever accepts the invite gets these roles, members already here too.</p>
              {roleChoices.map((r) => (
                <label key={r.id} className="row">
                  <input
                    type="checkbox"
                    checked={editing.roleIds.includes(r.id)}
                    onChange={(e) => setEditing({ ...editing, roleIds: e.target.checked ? [...editing.roleIds, r.id] : editing.roleIds.filter((id) => id !== r.id) })}
                  />
                  {r.name}
                </label>
              ))}
              {editing.temporary && editing.roleIds.length > 0 && (
                <p className="muted small" role="note">A role makes a membership permanent: members who join through this link stay.</p>
              )}
            </fieldset>
          )}
          {mayTarget && (
            <label>
              Only These Users May Accept (Optional)
              <input
                key={editing.targetUsers ? 'chosen' : 'none'}
                type="file"
                accept=".csv,text/csv,text/plain"
                aria-label="Users who may accept (CSV of user IDs)"
                onChange={(e) => setEditing({ ...editing, targetUsers: e.currentTarget.files?.[0] ?? null })}
              />
              <span className="muted small">A CSV file with one user ID a line. Nobody else can see or accept the invite.</span>
            </label>
          )}
          {mayTarget && editing.targetUsers && (
            <p className="row small">
              <span className="grow">Limited to the users in {editing.targetUsers.name}.</span>
              <button type="button" className="link-button small" onClick={() => setEditing({ ...editing, targetUsers: null })}>Anyone may accept</button>
            </p>
          )}
          <div className="modal-actions">
            <button type="button" className="button secondary" onClick={() => setEditing(null)}>Cancel</button>
            <button type="submit" className="button">Generate a New Link</button>
          </div>
        </form>
      )}
    </Modal>
  );
}
