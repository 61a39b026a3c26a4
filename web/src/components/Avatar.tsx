/**
 * Avatars, guild icons and presence dots. A user's picture is read from the store by id, so a USER_UPDATE or
 * GUILD_MEMBER_UPDATE (new avatar) redraws it everywhere at once — old messages included, whose author objects
 * are snapshots. Users without an avatar get Discord's default avatar; guilds without an icon their initials.
 * If an image fails to load, the initial on a colour is drawn instead.
 */
import { useState } from 'react';
import { defaultAvatarUrl, guildIconUrl, memberAvatarUrl, userAvatarUrl } from '../media-url.ts';
import { useStore } from '../store.ts';
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

type AvatarUser = Pick<User, 'id' | 'username' | 'global_name'> & Partial<Pick<User, 'avatar' | 'discriminator'>>;

/** The picture to show for a user: the guild avatar in that guild, else their avatar, else the default one. */
export function avatarSrc(user: AvatarUser, px: number, guildId?: string | null, memberAvatar?: string | null): string {
  if (guildId && memberAvatar) return memberAvatarUrl(guildId, user.id, memberAvatar, px);
  if (user.avatar) return userAvatarUrl(user.id, user.avatar, px);
  return defaultAvatarUrl(user);
}

export function Avatar({ user, size = 40, status, guildId, preview }: {
  user: AvatarUser | undefined;
  size?: number;
  status?: Status;
  /** In a guild, the member's guild avatar wins when they have one. */
  guildId?: string | null;
  /** A picture not saved yet (settings): a data URI shown instead. */
  preview?: string;
}) {
  const known = useStore((s) => (user?.id ? s.users[user.id] : undefined));
  const memberAvatar = useStore((s) => (guildId && user?.id ? s.members[guildId]?.[user.id]?.avatar : undefined));
  const [failed, setFailed] = useState<string | null>(null);
  // The store's copy is the freshest (gateway updates); a field it does not have comes from the object given.
  const u: AvatarUser | undefined = user && { ...user, ...known, avatar: known && known.avatar !== undefined ? known.avatar : user.avatar };
  const name = u?.global_name || u?.username || '?';
  const src = preview ?? (u?.id ? avatarSrc(u, size, guildId, memberAvatar) : null);
  const showImage = src && failed !== src;
  return (
    <span
      className="avatar"
      style={{ width: size, height: size, background: showImage ? undefined : colorFor(u?.id ?? '0'), fontSize: size * 0.4 }}
      aria-hidden={status ? undefined : true}
    >
      {showImage ? (
        <img className="avatar-img" src={src} alt="" width={size} height={size} draggable={false} decoding="async" onError={() => setFailed(src)} />
      ) : (
        <span aria-hidden="true">{[...name][0]?.toUpperCase()}</span>
      )}
      {status !== undefined && <StatusDot status={status} />}
    </span>
  );
}

/** A guild's icon from the CDN, or its initials when it has none (or the image cannot be loaded). */
export function GuildIcon({ guild, size = 48, preview }: { guild: { id: string; name: string; icon: string | null }; size?: number; preview?: string | null }) {
  const [failed, setFailed] = useState<string | null>(null);
  // preview: a picked icon not saved yet (a data URI), or null for "removed".
  const src = preview !== undefined ? preview : guild.icon ? guildIconUrl(guild.id, guild.icon, size) : null;
  const showImage = src && failed !== src;
  return (
    <span className={showImage ? 'guild-icon has-image' : 'guild-icon'} style={{ width: size, height: size, background: !showImage && guild.icon ? colorFor(guild.icon) : undefined }} aria-hidden="true">
      {showImage ? <img src={src} alt="" width={size} height={size} draggable={false} decoding="async" onError={() => setFailed(src)} /> : initials(guild.name)}
    </span>
  );
}
