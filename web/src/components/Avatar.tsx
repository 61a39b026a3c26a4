/** Avatars, guild icons (initials when there is no icon) and presence dots. */
import type { Status, User } from '../types.ts';

const COLORS = ['#5865f2', '#3ba55d', '#faa61a', '#ed4245', '#eb459e', '#00a8fc', '#9b59b6', '#1abc9c'];

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return words.slice(0, 3).map((w) => [...w][0]).join('').toUpperCase() || '?';
}

function colorFor(id: string) {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) | 0;
  return COLORS[Math.abs(h) % COLORS.length];
}

export const STATUS_LABEL: Record<string, string> = { online: 'Online', idle: 'Idle', dnd: 'Do Not Disturb', offline: 'Offline', invisible: 'Invisible' };

export function StatusDot({ status }: { status: Status | undefined }) {
  const s = status === 'invisible' || !status ? 'offline' : status;
  return <span className={`status-dot ${s}`} role="img" aria-label={STATUS_LABEL[s]} title={STATUS_LABEL[s]} />;
}

export function Avatar({ user, size = 40, status }: { user: Pick<User, 'id' | 'username' | 'global_name'> | undefined; size?: number; status?: Status }) {
  const name = user?.global_name || user?.username || '?';
  return (
    <span className="avatar" style={{ width: size, height: size, background: colorFor(user?.id ?? '0'), fontSize: size * 0.4 }} aria-hidden={status ? undefined : true}>
      <span aria-hidden="true">{[...name][0]?.toUpperCase()}</span>
      {status !== undefined && <StatusDot status={status} />}
    </span>
  );
}

/** Accord serves no image bytes yet (icons are hashes), so an icon shows as initials on a colour as well. */
export function GuildIcon({ guild, size = 48 }: { guild: { id: string; name: string; icon: string | null }; size?: number }) {
  return (
    <span className="guild-icon" style={{ width: size, height: size, background: guild.icon ? colorFor(guild.icon) : undefined }} aria-hidden="true">
      {initials(guild.name)}
    </span>
  );
}
