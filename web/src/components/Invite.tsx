/** /invite/{code}: shows what the invite is for and joins through POST /invites/{code}. */
import { markJustJoined } from '../guild-community.ts';
import { useEffect, useState } from 'react';
import { expectGuild } from '../membership.ts';
import { navigate } from '../router.ts';
import { acceptInvite, errorText, fetchInvite } from '../session.ts';
import { useStore } from '../store.ts';
import type { Invite } from '../types.ts';
import { nameStyle } from '../role-style.ts';
import { GuildIcon } from './Avatar.tsx';

export function InviteScreen({ code }: { code: string }) {
  const [invite, setInvite] = useState<Invite | null>(null);
  const [error, setError] = useState('');
  const [joining, setJoining] = useState(false);
  const alreadyIn = useStore((s) => (invite?.guild ? Boolean(s.guilds[invite.guild.id]) : false));
  /** Already a member holding every role the invite gives: nothing left to accept it for. */
  const nothingToGain = useStore((s) => {
    const gid = invite?.guild?.id;
    const mine = gid && s.me ? s.members[gid]?.[s.me.id]?.roles : undefined;
    return !invite?.roles?.length || (mine !== undefined && invite.roles.every((r) => mine.includes(r.id)));
  });

  useEffect(() => {
    let live = true;
    fetchInvite(code).then(
      (i) => live && setInvite(i),
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [code]);

  const target = invite?.guild ? `/channels/${invite.guild.id}${invite.channel ? `/${invite.channel.id}` : ''}` : '/channels/@me';

  async function join() {
    setJoining(true);
    setError('');
    try {
      const res = await acceptInvite(code);
      const gid = res.guild?.id ?? invite?.guild?.id;
      if (gid) expectGuild(gid);
      // The welcome screen shows once on the first visit after a join (GuildCommunity.tsx).
      if (gid && (res as { new_member?: boolean }).new_member) markJustJoined(gid);
      navigate(gid ? `/channels/${gid}${res.channel ? `/${res.channel.id}` : ''}` : '/channels/@me', { replace: true });
    } catch (err) {
      setError(errorText(err));
      setJoining(false);
    }
  }

  return (
    <div className="auth-page">
      <div className="auth-card invite-card" role="region" aria-label="Server invite">
        {!invite && !error && <p className="muted">Loading invite…</p>}
        {error && !invite && (
          <>
            <h1>Invite invalid</h1>
            <p className="muted">This invite may be expired, or you might not have permission to join. ({error})</p>
          </>
        )}
        {invite?.guild && (
          <>
            <GuildIcon guild={{ id: invite.guild.id, name: invite.guild.name, icon: invite.guild.icon ?? null }} size={72} />
            <p className="muted">{invite.inviter ? `${invite.inviter.global_name || invite.inviter.username} invited you to join` : "You've been invited to join"}</p>
            <h1>{invite.guild.name}</h1>
            {invite.approximate_member_count !== undefined && (
              <p className="muted small">
                <span className="status-dot online inline" aria-hidden="true" /> {invite.approximate_presence_count ?? 0} Online{' '}
                <span className="status-dot offline inline" aria-hidden="true" /> {invite.approximate_member_count} Members
              </p>
            )}
            {invite.roles && invite.roles.length > 0 && (
              <p className="small" data-testid="invite-roles">
                You'll get {invite.roles.length === 1 ? 'the role' : 'the roles'}{' '}
                {invite.roles.map((r, i) => (
                  <span key={r.id}>
                    {i > 0 && ', '}
                    <strong className="invite-role" style={nameStyle(r)}>{r.name}</strong>
                  </span>
                ))}
              </p>
            )}
            {error && <p className="form-error" role="alert">{error}</p>}
            {/* Discord gives an invite's roles to members already there too: they accept it for the roles. */}
            {alreadyIn && nothingToGain ? (
              <button type="button" className="button block" onClick={() => navigate(target, { replace: true })}>
                Go to {invite.guild.name}
              </button>
            ) : (
              <button type="button" className="button block" disabled={joining} onClick={() => void join()}>
                {joining ? 'Joining…' : 'Accept Invite'}
              </button>
            )}
          </>
        )}
        <button type="button" className="link-button small" onClick={() => navigate('/channels/@me', { replace: true })}>
          Not now
        </button>
      </div>
    </div>
  );
}
