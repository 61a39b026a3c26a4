/**
 * Notification settings, Discord's way: the server's dialog (from the server menu: notification level, suppress
 * @everyone/@here and role mentions, mute the server for a while) and the channel's (the bell in the chat header:
 * mute the channel, or override the server's level there). Every change is saved at once, as Discord's are.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { rest } from '../api.ts';
import { MUTE_WINDOWS, channelOverride, muteConfigFor, muteHolds, settingsKey, updateGuildSettings, useMuteClock, type MuteConfig } from '../mutes.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import type { Channel } from '../types.ts';
import { Modal } from './Modal.tsx';

const LEVELS = [
  { value: 0, label: 'All Messages' },
  { value: 1, label: 'Only @mentions' },
  { value: 2, label: 'Nothing' },
];

/** "Muted until 14:05", or for good. */
function mutedText(what: string, config: MuteConfig | null | undefined): string {
  const end = config?.end_time ? new Date(config.end_time) : null;
  return end ? `${what} is muted until ${end.toLocaleString()}.` : `${what} is muted until you turn it back on.`;
}

/** Saves a change and reports a failure in place; `busy` while a request is out. */
/**
 * Saves a change; `pending` holds the fields being saved so the controls show the choice at once (a controlled
 * input would otherwise spring back until the server's answer lands in the store), and drops them on failure.
 */
function useSave() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<Record<string, unknown>>({});
  const save = async (guildId: string | null, body: Record<string, unknown>, shown: Record<string, unknown> = body) => {
    setBusy(true);
    setError('');
    setPending(shown);
    try {
      await updateGuildSettings(guildId, body);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setPending({});
      setBusy(false);
    }
  };
  return { error, busy, save, pending };
}

function MuteChoices({ label, muted, onMute, onUnmute, busy, children }: {
  label: string; muted: boolean; busy: boolean; onMute: (seconds: number) => void; onUnmute: () => void; children?: ReactNode;
}) {
  return (
    <fieldset className="notification-mute">
      <legend>{label}</legend>
      {children}
      {muted ? (
        <button type="button" className="button" disabled={busy} onClick={onUnmute}>Unmute</button>
      ) : (
        <div className="notification-mute-choices" role="group" aria-label={label}>
          {MUTE_WINDOWS.map((w) => (
            <button key={w.seconds} type="button" className="button secondary" disabled={busy} onClick={() => onMute(w.seconds)}>{w.label}</button>
          ))}
        </div>
      )}
    </fieldset>
  );
}

export function GuildNotificationSettings({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const guild = useStore((s) => s.guilds[guildId]);
  const settings = useStore((s) => s.guildSettings[settingsKey(guildId)]);
  const now = useMuteClock();
  const { error, busy, save, pending } = useSave();
  // 3 (or no settings) follows the server's default, which the gateway's guild object here does not keep.
  const [serverDefault, setServerDefault] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    rest.request<{ default_message_notifications?: number }>('GET', `/guilds/${guildId}`).then(
      (g) => live && setServerDefault(g.default_message_notifications ?? 0),
      () => live && setServerDefault(0),
    );
    return () => {
      live = false;
    };
  }, [guildId]);
  const stored = (pending.message_notifications as number | undefined) ?? settings?.message_notifications ?? 3;
  const level = stored === 3 ? serverDefault : stored;
  const muted = muteHolds(settings?.muted, settings?.mute_config, now);
  const name = guild?.name ?? 'This server';

  return (
    <Modal title="Notification Settings" onClose={onClose}>
      <div className="notification-settings">
        <MuteChoices
          label={`Mute ${name}`}
          muted={muted}
          busy={busy}
          onMute={(seconds) => void save(guildId, { muted: true, mute_config: muteConfigFor(seconds) })}
          onUnmute={() => void save(guildId, { muted: false })}
        >
          <p className="muted small block">{muted ? mutedText(name, settings?.mute_config) : 'Muting a server prevents unread indicators and notifications from appearing unless you are mentioned.'}</p>
        </MuteChoices>
        <fieldset>
          <legend>Server Notification Settings</legend>
          {LEVELS.map((l) => (
            <label key={l.value} className="check-row">
              <input type="radio" name="server-notifications" checked={level === l.value} disabled={busy} onChange={() => void save(guildId, { message_notifications: l.value })} />
              {l.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Suppress</legend>
          <label className="check-row">
            <input type="checkbox" checked={(pending.suppress_everyone as boolean | undefined) ?? settings?.suppress_everyone ?? false} disabled={busy} onChange={(e) => void save(guildId, { suppress_everyone: e.target.checked })} />
            Suppress @everyone and @here
          </label>
          <label className="check-row">
            <input type="checkbox" checked={(pending.suppress_roles as boolean | undefined) ?? settings?.suppress_roles ?? false} disabled={busy} onChange={(e) => void save(guildId, { suppress_roles: e.target.checked })} />
            Suppress All Role @mentions
          </label>
        </fieldset>
        {error && <p className="form-error" role="alert">{error}</p>}
      </div>
    </Modal>
  );
}

const CHANNEL_LEVELS = [{ value: 3, label: 'Use Server Default' }, ...LEVELS];

export function ChannelNotificationSettings({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const override = useStore((s) => channelOverride(s, channel));
  const now = useMuteClock();
  const { error, busy, save, pending } = useSave();
  const muted = muteHolds(override?.muted, override?.mute_config, now);
  const name = channel.guild_id ? `#${channel.name ?? ''}` : 'This conversation';
  const patch = (fields: Record<string, unknown>) => save(channel.guild_id ?? null, { channel_overrides: { [channel.id]: fields } }, fields);

  return (
    <Modal title={`Notifications for ${name}`} onClose={onClose}>
      <div className="notification-settings">
        <MuteChoices
          label={`Mute ${name}`}
          muted={muted}
          busy={busy}
          onMute={(seconds) => void patch({ muted: true, mute_config: muteConfigFor(seconds) })}
          onUnmute={() => void patch({ muted: false })}
        >
          {muted && <p className="muted small block">{mutedText(name, override?.mute_config)}</p>}
        </MuteChoices>
        {channel.guild_id && (
          <fieldset>
            <legend>Notification Settings</legend>
            {CHANNEL_LEVELS.map((l) => (
              <label key={l.value} className="check-row">
                <input type="radio" name="channel-notifications" checked={((pending.message_notifications as number | undefined) ?? override?.message_notifications ?? 3) === l.value} disabled={busy} onChange={() => void patch({ message_notifications: l.value })} />
                {l.label}
              </label>
            ))}
          </fieldset>
        )}
        {error && <p className="form-error" role="alert">{error}</p>}
      </div>
    </Modal>
  );
}
