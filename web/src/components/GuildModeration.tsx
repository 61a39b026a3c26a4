/**
 * Server Settings' moderation: the Bans tab (GET /guilds/{id}/bans, search, revoke) for BAN_MEMBERS, and the
 * owner's "Delete Server", confirmed by typing the server's name as on Discord.
 */
import { useEffect, useMemo, useState } from 'react';
import { canBan, deleteGuild, listBans, unbanUser, type Ban } from '../moderation.ts';
import { navigate } from '../router.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { Avatar } from './Avatar.tsx';
import { Confirm, Modal } from './Modal.tsx';

/** The settings tabs, with Bans for those who may ban. */
export function useModerationTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'bans', string]> {
  const bans = useStore((s) => canBan(s, guildId));
  return useMemo(() => (bans ? [...tabs, ['bans', 'Bans']] : [...tabs]), [bans, tabs]);
}

export function BansTab({ guildId, run }: { guildId: string; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const [bans, setBans] = useState<Ban[] | null>(null);
  const [query, setQuery] = useState('');
  const [revoking, setRevoking] = useState<Ban | null>(null);
  useEffect(() => {
    void run(async () => setBans(await listBans(guildId)));
    // Once per guild (`run` is new on every render and only reports errors).
  }, [guildId]);
  const q = query.trim().toLowerCase();
  const shown = (bans ?? []).filter((b) => !q || b.user.username.toLowerCase().includes(q) || (b.user.global_name ?? '').toLowerCase().includes(q) || b.user.id === q);
  return (
    <div className="stack bans">
      <p className="muted small">Bans are by account. Banned people can't rejoin with an invite until the ban is revoked.</p>
      <label>
        Search bans
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Username or user id" />
      </label>
      {bans === null ? (
        <p className="muted" role="status">Loading bans…</p>
      ) : shown.length === 0 ? (
        <p className="muted">{bans.length ? 'No bans match your search.' : 'No bans.'}</p>
      ) : (
        <ul className="settings-list" aria-label="Bans">
          {shown.map((b) => (
            <li key={b.user.id} className="row ban-row" data-user-id={b.user.id}>
              <Avatar user={b.user} size={32} />
              <div className="grow">
                <strong className="ellipsis">{b.user.global_name || b.user.username}</strong>{' '}
                <span className="muted small">{b.user.username}</span>
                {b.reason && <div className="muted small ellipsis">Reason: {b.reason}</div>}
              </div>
              <button type="button" className="button small secondary" aria-label={`Revoke ban of ${b.user.username}`} onClick={() => setRevoking(b)}>
                Revoke Ban
              </button>
            </li>
          ))}
        </ul>
      )}
      {revoking && (
        <Confirm
          title={`'${revoking.user.username}'`}
          body={
            <>
              <p>Revoke the ban of {revoking.user.global_name || revoking.user.username}? They will be able to join again with an invite.</p>
              <p className="muted small">Ban reason: {revoking.reason || 'No reason given.'}</p>
            </>
          }
          confirmLabel="Revoke Ban"
          danger={false}
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await unbanUser(guildId, revoking.user.id);
            setBans((list) => list?.filter((b) => b.user.id !== revoking.user.id) ?? null);
          }}
        />
      )}
    </div>
  );
}

/** The owner's "Delete Server": the server's name must be typed to confirm. */
export function DeleteServer({ guildId, onDeleted }: { guildId: string; onDeleted: () => void }) {
  const guild = useStore((s) => s.guilds[guildId]);
  const isOwner = useStore((s) => Boolean(s.me && s.guilds[guildId]?.owner_id === s.me.id));
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (!guild || !isOwner) return null;
  const matches = typed.trim() === guild.name.trim();
  return (
    <section className="danger-zone" aria-label="Delete server">
      <h3>Delete Server</h3>
      <p className="muted small">Deletes the server, its channels and messages for everyone. This cannot be undone.</p>
      <button type="button" className="button danger" onClick={() => setOpen(true)}>
        Delete Server
      </button>
      {open && (
        <Modal title={`Delete '${guild.name}'`} onClose={() => setOpen(false)}>
          <form
            className="stack"
            onSubmit={async (e) => {
              e.preventDefault();
              if (!matches || busy) return;
              setBusy(true);
              setError('');
              try {
                await deleteGuild(guildId);
                onDeleted();
                navigate('/channels/@me');
              } catch (err) {
                setError(errorText(err));
                setBusy(false);
              }
            }}
          >
            <p className="confirm-body">Are you sure you want to delete {guild.name}? This action cannot be undone.</p>
            <label>
              Enter server name
              <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" aria-invalid={typed !== '' && !matches} />
            </label>
            {error && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
            <div className="modal-actions">
              <button type="button" className="button secondary" onClick={() => setOpen(false)}>
                Cancel
              </button>
              <button type="submit" className="button danger" disabled={!matches} aria-disabled={busy}>
                Delete Server
              </button>
            </div>
          </form>
        </Modal>
      )}
    </section>
  );
}
