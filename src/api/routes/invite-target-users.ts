/**
 * A targeted invite's users (Discord's community invites, api/community-invites.ts): read them back as the CSV
 * they came in, replace them, and ask how the processing of the last file went.
 *
 * - `GET /invites/{code}/target-users`: `text/csv`, the header `user_id` and one id a line, in the file's order;
 *   for the inviter, or anyone with Manage Server or View Audit Log. An invite for anyone answers the header alone.
 * - `PUT /invites/{code}/target-users`: a form with `target_users_file`; Manage Server, or the inviter of an invite
 *   already targeted; 204; five a minute. A file with bad lines is refused whole (400, every bad line named) and
 *   changes nothing.
 * - `GET /invites/{code}/target-users/job-status`: Discord processes the file after answering; here the list is
 *   stored before the answer (so a targeted invite is never open to all, not even for a moment), and the job
 *   reads COMPLETED (2) at once, every user processed. An invite never targeted reads UNSPECIFIED (0).
 *
 * Callers must be members of the invite's guild (50001 otherwise; 10006 for a targeted invite, which outsiders may
 * not know of); a vanity code or unknown invite is 10006.
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { InviteTargetUsersJobStatus } from '../../protocol/invites.ts';
import { iso } from '../../shapes/serialize.ts';
import type { InviteRecord } from '../../store/types.ts';
import { guildAccess, permissionRefusal, type GuildAccess } from '../access.ts';
import { checkTargetUsersFile, mayListInvites, readTargetUsersForm } from '../community-invites.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { targetUsersCsv } from '../target-users-csv.ts';

export function registerInviteTargetUsersRoutes(ctx: RouteContext): void {
  const { store } = ctx.deps;

  /**
   * The invite and the caller's standing in its guild. 10006 for an unknown invite or a vanity code, and for a
   * targeted invite to someone outside its guild (as GET /invites/{code} hides it); 50001 for a non-member otherwise.
   */
  async function load(code: string, userId: string): Promise<{ invite: InviteRecord; access: GuildAccess }> {
    const invite = await store.invites.get(code, ctx.deps.now());
    if (!invite?.guildId) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
    try {
      return { invite, access: await guildAccess(store, invite.guildId, userId, ctx.deps.now()) };
    } catch (err) {
      if (invite.targetUsersAt != null && err instanceof ApiError && err.code === ErrorCodes.MISSING_ACCESS) throw new ApiError(ErrorCodes.UNKNOWN_INVITE);
      throw err;
    }
  }

  /**
   * Reading: the inviter, or whoever may list the guild's invites (Manage Server or View Audit Log). A member who
   * may not, and who cannot see a targeted invite either (not on its list), is told it does not exist (10006), as
   * GET /invites/{code} tells them.
   */
  async function loadForReading(code: string, userId: string) {
    const loaded = await load(code, userId);
    const { invite, access } = loaded;
    if (invite.inviterId === userId || mayListInvites(access)) return loaded;
    throw await refusal(invite, userId, permissionRefusal(access, Permissions.MANAGE_GUILD, Permissions.VIEW_AUDIT_LOG));
  }

  /** `otherwise`, or 10006 for a targeted invite the caller cannot see (not on its list). */
  async function refusal(invite: InviteRecord, userId: string, otherwise: ApiError): Promise<ApiError> {
    return invite.targetUsersAt != null && !(await store.invites.isTargetUser(invite.code, userId)) ? new ApiError(ErrorCodes.UNKNOWN_INVITE) : otherwise;
  }

  ctx.get('/invites/:code/target-users', {}, async (req) => {
    const { invite } = await loadForReading(req.params.code, req.user.id);
    const users = (await store.invites.targetUsers(invite.code)) ?? [];
    return req.reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="target_users.csv"')
      .send(targetUsersCsv(users));
  });

  // Discord: "the inviter or … MANAGE_GUILD". Limiting an invite for anyone to a list is what creating a targeted one
  // asks Manage Server for, so that needs it too; its inviter may then replace the list.
  ctx.put('/invites/:code/target-users', { uploads: true, limit: RouteLimits.inviteTargetUsers }, async (req) => {
    const { invite, access } = await load(req.params.code, req.user.id);
    const manager = hasPermission(access.permissions, Permissions.MANAGE_GUILD);
    if (!manager && (invite.inviterId !== req.user.id || invite.targetUsersAt == null)) {
      throw invite.inviterId === req.user.id || mayListInvites(access) ? permissionRefusal(access, Permissions.MANAGE_GUILD) : await refusal(invite, req.user.id, permissionRefusal(access, Permissions.MANAGE_GUILD));
    }
    const form = req.raw.isMultipart() ? await readTargetUsersForm(req) : null;
    const userIds = checkTargetUsersFile(null, form?.csv ?? null, true)!;
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
