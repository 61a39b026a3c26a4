/**
 * Voice messages (IS_VOICE_MESSAGE, `1 << 13`), as Discord takes them: one audio file carrying its length and a
 * sampled waveform (`attachments[0].duration_secs` and `.waveform`) and nothing else beside it; SEND_VOICE_MESSAGES
 * in a guild channel; never edited afterwards (edit.ts). Discord's apps record them; any client may send one.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions } from '../../protocol/permissions.ts';
import type { AttachmentRecord } from '../../store/types.ts';
import { requirePermission, type ChannelAccess } from '../access.ts';

export const IS_VOICE_MESSAGE = 1 << 13;

export interface VoiceMessageParts {
  content: string;
  embeds: readonly unknown[];
  components: readonly unknown[];
  stickerCount: number;
  poll: boolean;
  attachments: readonly AttachmentRecord[];
}

/**
 * Refuses a voice message that breaks one of Discord's rules, with Discord's code for it. `access` is the sender's
 * standing, for SEND_VOICE_MESSAGES in a guild channel; null for an interaction response, which needs no permission.
 */
export function checkVoiceMessage(access: ChannelAccess | null, m: VoiceMessageParts): void {
  if (access?.channel.guildId) requirePermission(access, Permissions.SEND_VOICE_MESSAGES);
  if (m.content !== '' || m.embeds.length > 0 || m.components.length > 0 || m.stickerCount > 0 || m.poll) {
    throw new ApiError(ErrorCodes.VOICE_MESSAGE_ADDITIONAL_CONTENT);
  }
  const [file, ...more] = m.attachments;
  if (!file || more.length > 0 || !file.contentType.startsWith('audio/')) throw new ApiError(ErrorCodes.VOICE_MESSAGE_SINGLE_AUDIO);
  // attachments.ts keeps the two only when both came, so either missing leaves both out.
  if (file.durationSecs === undefined) throw new ApiError(ErrorCodes.VOICE_MESSAGE_METADATA);
}
