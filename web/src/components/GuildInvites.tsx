/**
 * Server Settings → Invites: every live invite of the server (GET /guilds/{id}/invites), for those with Manage
 * Server or View Audit Log, as Discord allows; with Manage Server also how often each was used, "Revoke", and the
 * security actions that pause invites and DMs (GuildSecurityActions.tsx). Each invite shows the roles it gives and,
 * under "Who May Accept", whether it is limited to a list of users: the list can be downloaded (a CSV) and, by its
 * inviter or with Manage Server, replaced.
 */
import { useEffect, useMemo, useState } from 'react';
import { rest } from '../api.ts';
import { P, basePermissions, has } from '../perms.ts';
import { useStore, type State } from '../store.ts';
import type { Invite } from '../types.ts';
import { replaceTargetUsers, targetUserCount, targetUsersCsv } from '../community-invites.ts';
import { nameStyle } from '../role-style.ts';
import { Avatar } from './Avatar.tsx';
import { SecurityActions } from './GuildSecurityActions.tsx';

function guildPerms(s: State, guildId: string): bigint {
  const guild = s.guilds[guildId];
  return guild && s.me ? basePermissions(guild, s.me.id, s.members[guildId]?.[s.me.id]) : 0n;
}

export function useInviteTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'invites', string]> {
  const allowed = useStore((s) => has(guildPerms(s, guildId), P.MANAGE_GUILD) || has(guildPerms(s, guildId), P.VIEW_AUDIT_LOG));
  return useMemo(() => (allowed ? [...tabs, ['invites', 'Invites']] : [...tabs]), [allowed, tabs]);
}

export function InvitesTab({ guildId, run }: { guildId: string; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const manager = useStore((s) => has(guildPerms(s, guildId), P.MANAGE_GUILD));
  useEffect(() => {
    void run(async () => setInvites(await rest.get<Invite[]>(`/guilds/${guildId}/invites`)));
    // Once per guild (`run` is new on every render and only reports errors).
  }, [guildId]);
  const revoke = (code: string) => run(async () => {
    await rest.delete(`/invites/${code}`);
    setInvites((list) => list?.filter((i) => i.code !== code) ?? null);
  });
  return (
    <div className="stack">
      {manager && <SecurityActions guildId={guildId} />}
      <InviteList invites={invites} manager={manager} revoke={revoke} run={run} />
    </div>
  );
}

function InviteList({ invites, manager, revoke, run }: { invites: Invite[] | null; manager: boolean; revoke: (code: string) => Promise<void>; run: Run }) {
  const meId = useStore((s) => s.me?.id);
  if (invites === null) return <p className="muted" role="status">Loading invites…</p>;
  if (invites.length === 0) return <p className="muted">No invites. Anyone who may create one can, from a channel's invite button.</p>;
  return (
    <ul className="settings-list" aria-label="Invites">
      {invites.map((i) => (
        <li key={i.code} className="row invite-row" data-code={i.code}>
          {i.inviter && <Avatar user={i.inviter} size={32} />}
          <div className="grow">
            <strong>{i.code}</strong> <span className="muted small">#{i.channel?.name ?? ''}</span>
            <div className="muted small">
              {i.inviter ? `by ${i.inviter.global_name || i.inviter.username}` : 'no inviter'}
              {i.uses !== undefined && ` · ${i.uses}${i.max_uses ? ` of ${i.max_uses}` : ''} uses`}
              {' · '}
              {i.expires_at ? `expires ${new Date(i.expires_at).toLocaleString()}` : 'never expires'}
            </div>
            {i.roles && i.roles.length > 0 && (
              <div className="small" data-testid="invite-given-roles">
                Gives {i.roles.map((r, k) => <span key={r.id}>{k > 0 && ', '}<strong style={nameStyle(r)}>{r.name}</strong></span>)}
              </div>
            )}
            <TargetUsers code={i.code} mayReplace={manager || (!!meId && i.inviter?.id === meId)} run={run} />
          </div>
          {manager && (
            <button type="button" className="button small secondary" aria-label={`Revoke invite ${i.code}`} onClick={() => void revoke(i.code)}>
              Revoke
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

type Run = (fn: () => Promise<unknown>) => Promise<void>;

/** "Who May Accept": anyone with the link, or only the users of the invite's list (downloaded or replaced here). */
function TargetUsers({ code, mayReplace, run }: { code: string; mayReplace: boolean; run: Run }) {
  const [open, setOpen] = useState(false);
  /** How many users the list names (0: anyone may accept); null until read. */
  const [count, setCount] = useState<number | null>(null);
  const load = () => run(async () => setCount(await targetUserCount(code)));
  if (!open) {
    return (
      <button type="button" className="link-button small" onClick={() => { setOpen(true); void load(); }}>
        Who May Accept
      </button>
    );
  }
  const download = () => run(async () => {
    const url = URL.createObjectURL(new Blob([await targetUsersCsv(code)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `invite-${code}-users.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  return (
    <div className="row wrap small" role="group" aria-label={`Who may accept invite ${code}`}>
      <span data-testid="invite-target-count">
        {count === null ? 'Loading…' : count === 0 ? 'Anyone with the link may accept.' : `Only ${count} user${count === 1 ? '' : 's'} may accept.`}
      </span>
      {count !== null && count > 0 && <button type="button" className="link-button small" onClick={() => void download()}>Download List</button>}
      {mayReplace && (
        <label className="link-button small">
          {count ? 'Replace List' : 'Limit to a List'}
          <input
            type="file"
            accept=".csv,text/csv,text/plain"
            className="sr-only"
            aria-label={`Users who may accept invite ${code} (CSV of user IDs)`}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (file) void run(async () => {
                await replaceTargetUsers(code, file);
                setCount(await targetUserCount(code));
              });
            }}
          />
        </label>
      )}
    </div>
  );
}
