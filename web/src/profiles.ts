/**
 * Profiles: the card a name opens (GET /users/{id}/profile) and one's own per-server profile (PATCH
 * /guilds/{id}/members/@me: nickname, avatar, banner, About Me). In a guild the member's banner and About Me are
 * shown over the user's, as on Discord.
 */
import { rest } from './api.ts';
import { applyDispatch } from './events.ts';
import { memberBannerUrl, userBannerUrl } from './media-url.ts';
import type { Member, User } from './types.ts';

interface ProfileParts {
  bio: string;
  banner: string | null;
}

export interface Profile {
  user: User;
  user_profile: ProfileParts;
  guild_member?: Member;
  guild_member_profile?: ProfileParts & { guild_id: string };
  mutual_guilds?: Array<{ id: string; nick: string | null }>;
}

/** The profile of `userId`, with their member part in `guildId` when both are in it. */
export function fetchProfile(userId: string, guildId?: string | null): Promise<Profile> {
  return rest.get<Profile>(`/users/${userId}/profile`, guildId ? { guild_id: guildId } : undefined);
}

/** What a card shows: the member's banner and About Me where set, else the user's. */
export function shownProfile(profile: Profile, userId: string, width: number): { bannerUrl: string | null; bio: string } {
  const member = profile.guild_member_profile;
  const bannerUrl = member?.banner
    ? memberBannerUrl(member.guild_id, userId, member.banner, width)
    : profile.user_profile.banner
      ? userBannerUrl(userId, profile.user_profile.banner, width)
      : null;
  return { bannerUrl, bio: member?.bio || profile.user_profile.bio || '' };
}

export interface ServerProfileChange {
  nick?: string | null;
  /** Image data to set, null to remove, absent to keep. */
  avatar?: string | null;
  banner?: string | null;
  /** Empty clears it (the user's own About Me shows again). */
  bio?: string | null;
}

/** Saves one's per-server profile; the member (with its new banner and avatar) is applied at once. */
export async function updateServerProfile(guildId: string, change: ServerProfileChange): Promise<void> {
  const member = await rest.patch<Member & { user: User }>(`/guilds/${guildId}/members/@me`, change);
  applyDispatch('GUILD_MEMBER_UPDATE', { ...member, guild_id: guildId });
}
