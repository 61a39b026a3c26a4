/**
 * Community invites in the web client: the roles an invite may give (what the server checks, api/community-invites.ts:
 * not @everyone, not managed, below the creator's highest role; the owner any), and a targeted invite's list of
 * users (a CSV: read back, replaced, counted).
 */
import { rest } from './api.ts';
import { InviteTargetUsersJobStatus, TARGET_USERS_FILE_FIELD } from '../../src/protocol/invites.ts';
import { sortedRoles } from './role-order.ts';
import type { GuildInfo } from './store.ts';
import type { Member, Role } from './types.ts';

/** Roles `userId` may have an invite give, highest first. */
export function invitableRoles(guild: GuildInfo, userId: string, member: Member | undefined): Role[] {
  const ordered = sortedRoles(guild.roles);
  const candidates = ordered.filter((r) => r.id !== guild.id && !r.managed);
  if (guild.owner_id === userId) return candidates;
  const held = new Set(member?.roles ?? []);
  const top = ordered.findIndex((r) => held.has(r.id));
  return top < 0 ? [] : candidates.filter((r) => ordered.indexOf(r) > top);
}

/** A create body with a CSV of target users: a form, the JSON in payload_json (as Discord's docs send it). */
export function inviteCreateForm(body: Record<string, unknown>, targetUsers: File): FormData {
  const form = new FormData();
  form.append('payload_json', JSON.stringify(body));
  form.append(TARGET_USERS_FILE_FIELD, targetUsers, targetUsers.name || 'users.csv');
  return form;
}

/** How many users a targeted invite is for; 0 for an invite anyone may accept. */
export async function targetUserCount(code: string): Promise<number> {
  const job = await rest.get<{ status: number; total_users: number }>(`/invites/${encodeURIComponent(code)}/target-users/job-status`);
  return job.status === InviteTargetUsersJobStatus.UNSPECIFIED ? 0 : job.total_users;
}

/** The list as the CSV it is kept as (header `user_id`, one id a line). */
export const targetUsersCsv = (code: string) => rest.getText(`/invites/${encodeURIComponent(code)}/target-users`);

/** Replaces the list with the users of `file` (a CSV of user ids). */
export async function replaceTargetUsers(code: string, file: File): Promise<void> {
  const form = new FormData();
  form.append(TARGET_USERS_FILE_FIELD, file, file.name || 'users.csv');
  await rest.put(`/invites/${encodeURIComponent(code)}/target-users`, form);
}
