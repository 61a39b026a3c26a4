/**
 * Guild onboarding in the web client: Discord's onboarding object, and whether a member still has to answer the
 * questions, read from the guild's features and the member's flags alone (no request), so that the dialog
 * (components/OnboardingPrompts.tsx) is loaded only for a member who will be asked.
 */
import type { GuildInfo } from './store.ts';
import type { Member } from './types.ts';

export interface OnboardingOption { id?: string; title: string; description?: string | null; role_ids: string[]; channel_ids?: string[] }
export interface OnboardingPrompt { id?: string; type?: number; title: string; single_select: boolean; required: boolean; in_onboarding?: boolean; options: OnboardingOption[] }
export interface Onboarding { guild_id: string; enabled: boolean; mode: number; default_channel_ids: string[]; prompts: OnboardingPrompt[] }

/** Member flag: the member has answered the onboarding questions. */
export const COMPLETED_ONBOARDING = 1 << 1;
/** Guild feature: onboarding is on (the server sets it with GUILD_UPDATE). */
export const ONBOARDING_FEATURE = 'GUILD_ONBOARDING';

/** Whether `member` of `guild` is to be asked: onboarding is on, they have not completed it, and they do not own the server. */
export function owesOnboarding(guild: GuildInfo | undefined, member: Member | undefined, meId: string | undefined): boolean {
  if (!guild || !member || !meId || guild.owner_id === meId) return false;
  return guild.features.includes(ONBOARDING_FEATURE) && !((member.flags ?? 0) & COMPLETED_ONBOARDING);
}
