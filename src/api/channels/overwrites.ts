/**
 * Permission overwrites written through PATCH /channels/{id} (whole set) or PUT /channels/{id}/permissions/{id}
 * (one). The caller needs MANAGE_ROLES in the channel, and may only allow or deny bits it holds there itself
 * unless it is an administrator or the owner — otherwise an overwrite could hand out more than the caller has.
 */
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { Permissions, hasPermission, parsePermissions } from '../../protocol/permissions.ts';
import type { OverwriteRecord, Store } from '../../store/types.ts';
import { requirePermission, type ChannelAccess } from '../access.ts';
import { permissionString, snowflake, z } from '../validate.ts';

const overwriteType = z
  .union([z.literal(0), z.literal(1), z.enum(['0', '1', 'role', 'member'])])
  .transform((t): 0 | 1 => (t === 1 || t === '1' || t === 'member' ? 1 : 0));

export const overwriteBody = z.object({ type: overwriteType, allow: permissionString.nullish(), deny: permissionString.nullish() });
export const overwriteEntry = overwriteBody.extend({ id: snowflake });

/** Throws 50013 unless the caller may manage overwrites with these bits. */
export function checkOverwriteBits(access: ChannelAccess, allow: bigint, deny: bigint): void {
  requirePermission(access, Permissions.MANAGE_ROLES);
  const g = access.guild;
  if (g && (g.isOwner || hasPermission(g.permissions, Permissions.ADMINISTRATOR))) return;
  if (((allow | deny) & ~access.permissions) !== 0n) throw new ApiError(ErrorCodes.MISSING_PERMISSIONS);
}

export function toOverwrite(channelId: string, id: string, o: z.infer<typeof overwriteBody>): OverwriteRecord {
  return { channelId, id, type: o.type, allow: parsePermissions(o.allow ?? '0').toString(), deny: parsePermissions(o.deny ?? '0').toString() };
}

/** The role or member an overwrite targets must exist in the guild: 10011 / 10007 (or a form error in PATCH). */
export async function checkOverwriteTarget(store: Store, access: ChannelAccess, o: OverwriteRecord, asFormError?: Array<string | number>): Promise<void> {
  const guildId = access.channel.guildId!;
  const exists = o.type === 0 ? (access.guild?.roles ?? []).some((r) => r.id === o.id) : (await store.members.get(guildId, o.id)) !== null;
  if (exists) return;
  if (asFormError) throw formError([{ path: asFormError, code: 'UNKNOWN_OVERWRITE_TARGET', message: o.type === 0 ? 'Unknown role' : 'Unknown member' }]);
  throw new ApiError(o.type === 0 ? ErrorCodes.UNKNOWN_ROLE : ErrorCodes.UNKNOWN_MEMBER);
}
