/** A channel's mark before its name, by type: a speaker (voice), a stage, a megaphone (announcements) or `#` (`@` in a DM). */
import { ChannelType } from '../types.ts';
import { AnnouncementIcon } from './Announcements.tsx';
import { Icon } from './Icon.tsx';

export function ChannelIcon({ type, inGuild = true, size = 18 }: { type: number; inGuild?: boolean; size?: number }) {
  if (type === ChannelType.GUILD_VOICE) return <Icon name="speaker" size={size} />;
  if (type === ChannelType.GUILD_STAGE_VOICE) return <Icon name="stage" size={size} />;
  if (type === ChannelType.GUILD_ANNOUNCEMENT) return <AnnouncementIcon size={size} />;
  return <>{inGuild ? '#' : '@'}</>;
}
