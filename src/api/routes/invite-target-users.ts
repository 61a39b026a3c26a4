/**
 * A targeted invite's users (Discord's community invites, api/community-invites.ts): read them back as the CSV
 * they came in, replace them, and ask how the processing of the last file went.
 *
 * - `GET /invites/{code}/target-users`: `text/csv`, the header `user_id` and one id a line, in the file's order;
 *   for the inviter, or anyone with Manage Server or View Audit Log. An invite for anyone answers the header alone.
 * - `PUT /invites/{code}/target-users`: a form with `target_users_file`; the inviter or Manage Server; 204. A file
 *   with bad lines is refused whole (400, every bad line named) and changes nothing.
 * - `GET /invites/{code}/target-users/job-status`: Discord processes the file after answering; here the list is
 *   stored before the answer (so a targeted invite is never open to all, not even for a moment), and the job
 *   reads COMPLETED (2) at once, every user processed. An invite never targeted reads UNSPECIFIED (0).
 *
 * Callers must be members of the invite's guild (50001 otherwise); a vanity code or unknown invite is 10006.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { InviteTargetUsersJobStatus, TARGET_USERS_FILE_FIELD } from '../../protocol/invites.ts';
import { iso } from '../../shapes/serialize.ts';
import type { InviteRecord } from '../../store/types.ts';
import { guildAccess, permissionRefusal, type GuildAccess } from '../access.ts';
import { checkTargetUsersFile } from '../community-invites.ts';
import type { RouteContext } from '../route.ts';
import { readSingleFileForm } from '../single-file-form.ts';
import { TARGET_USERS_FILE_MAX_BYTES, targetUsersCsv } from '../target-users-csv.ts';

export function registerInviteTargetUsersRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  async function load(code: string, userId: string): Promise<{ invite: InviteRecord; access: GuildAccess }> {
    const invite = await store.invites.get(code, ctx.deps.now());
    if (!invite?.guildId) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
    return { invite, access: await guildAccess(store, invite.guildId, userId, ctx.deps.now()) };
  }

  /** Reading: the inviter, Manage Server or View Audit Log (as for listing the guild's invites). */
  async function loadForReading(code: string, userId: string) {
    const loaded = await load(code, userId);
    const { invite, access } = loaded;
    if (invite.inviterId !== userId && !hasPermission(access.permissions, Permissions.MANAGE_GUILD) && !hasPermission(access.permissions, Permissions.VIEW_AUDIT_LOG)) {
      throw permissionRefusal(access, Permissions.MANAGE_GUILD, Permissions.VIEW_AUDIT_LOG);
    }
    return loaded;
  }

  ctx.get('/invites/:code/target-users', {}, async (req) => {
    const { invite } = await loadForReading(req.params.code, req.user.id);
    const users = (await store.invites.targetUsers(invite.code)) ?? [];
    return req.reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="target_users.csv"')
      .send(targetUsersCsv(users));
  });

  ctx.put('/invites/:code/target-users', { uploads: true }, async (req) => {
    const { invite, access } = await load(req.params.code, req.user.id);
    if (invite.inviterId !== req.user.id && !hasPermission(access.permissions, Permissions.MANAGE_GUILD)) throw permissionRefusal(access, Permissions.MANAGE_GUILD);
    const form = req.raw.isMultipart() ? await readSingleFileForm(req.raw, TARGET_USERS_FILE_FIELD, TARGET_USERS_FILE_MAX_BYTES) : null;
    if (form?.tooLarge) throw new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
    const userIds = checkTargetUsersFile(null, form?.file ?? null, true)!;
    await store.invites.setTargetUsers(invite.code, userIds, ctx.deps.now());
    return undefined;
  });

  ctx.get('/invites/:code/target-users/job-status', {}, async (req) => {
    const { invite } = await loadForReading(req.params.code, req.user.id);
    const at = invite.targetUsersAt ?? null;
    const total = at === null ? 0 : await store.invites.targetUserCount(invite.code);
    return {
      status: at === null ? InviteTargetUsersJobStatus.UNSPECIFIED : InviteTargetUsersJobStatus.COMPLETED,
      total_users: total,
      processed_users: total,
      created_at: at === null ? null : iso(at),
      completed_at: at === null ? null : iso(at),
      error_message: null,
    };
  });
}
