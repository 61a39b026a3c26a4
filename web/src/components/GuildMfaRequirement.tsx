/**
 * The owner's "Require 2FA for moderator actions" in Server Settings → Overview (Discord's server-wide 2FA,
 * POST /guilds/{id}/mfa). While it is on, members whose account has no two-factor log-in (and bots whose owner's
 * has none) cannot use moderator permissions here; the server refuses them with 60003. Turning it on or off needs
 * the owner's own 2FA, so the switch points to User Settings first when theirs is off.
 */
import { useState } from 'react';
import { setGuildMfaLevel } from '../two-factor.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';

export function GuildMfaRequirement({ guildId }: { guildId: string }) {
  const level = useStore((s) => s.guilds[guildId]?.mfa_level ?? 0);
  const isOwner = useStore((s) => Boolean(s.me && s.guilds[guildId]?.owner_id === s.me.id));
  const ownMfa = useStore((s) => Boolean(s.me?.mfa_enabled));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  if (!isOwner) return null;
  const on = level === 1;
  return (
    <section className="stack settings-section" aria-label="Server-wide two-factor requirement">
      <h3>Require 2FA for moderator actions</h3>
      <p className="muted small">
        Members with moderator permissions (kick, ban, time out, manage messages, channels, roles or the server) must have two-factor
        authentication on their account to use them here. Bots follow their owner&apos;s account.
      </p>
      {!ownMfa && (
        <p className="muted small" role="note">
          Turn on two-factor authentication for your own account first (User Settings → Password &amp; Security).
        </p>
      )}
      <p role="status" className="small">
        {on ? 'Two-factor authentication is required for moderator actions.' : 'Two-factor authentication is not required.'}
      </p>
      <div className="row">
        <button
          type="button"
          className={on ? 'button secondary' : 'button'}
          disabled={!ownMfa}
          aria-disabled={busy}
          onClick={async () => {
            if (busy) return;
            setBusy(true);
            setError('');
            try {
              await setGuildMfaLevel(guildId, on ? 0 : 1);
            } catch (err) {
              setError(errorText(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          {on ? 'Remove 2FA Requirement' : 'Enable 2FA Requirement'}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
