/**
 * Server Settings → Invites: every live invite of the server (GET /guilds/{id}/invites), for those with Manage
 * Server or View Audit Log, as Discord allows; with Manage Server also how often each was used, "Revoke", and the
 * security actions that pause invites and DMs (GuildSecurityActions.tsx).
 */
import { useEffect, useMemo, useState } from 'react';
import { rest } from '../api.ts';
import { P, basePermissions, has } from '../perms.ts';
import { useStore, type State } from '../store.ts';
import type { Invite } from '../types.ts';
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
      <InviteList invites={invites} manager={manager} revoke={revoke} />
    </div>
  );
}

function InviteList({ invites, manager, revoke }: { invites: Invite[] | null; manager: boolean; revoke: (code: string) => Promise<void> }) {
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
