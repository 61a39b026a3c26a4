/**
 * Discord's community invites: an invite may give roles to whoever accepts it (`role_ids`, Manage Roles, only roles
 * below the creator's highest) and may be limited to a list of users (`target_users_file`, a CSV sent as
 * `multipart/form-data`, Manage Server). Creating one reads its body here, as JSON or as a form (`payload_json`
 * or plain fields beside the file); the target-user routes are routes/invite-target-users.ts.
 */
import { randomInt } from 'node:crypto';
import type { RoleRecord } from '../store/types.ts';
import { ApiError, ErrorCodes, fieldError, formError } from '../protocol/errors.ts';
import { TARGET_USERS_FILE_FIELD } from '../protocol/invites.ts';
import { Permissions, hasPermission } from '../protocol/permissions.ts';
import { requirePermission, type GuildAccess } from './access.ts';
import { parseJsonText, valueDeeperThan } from './json-body.ts';
import type { RouteRequest } from './route.ts';
import { requireAssignableRole } from './routes/roles.ts';
import { readSingleFileForm, type SingleFileForm } from './single-file-form.ts';
import { TARGET_USERS_FILE_MAX_BYTES, parseTargetUsersCsv } from './target-users-csv.ts';

const INVITE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A new invite code: 8 random letters and digits (a taken one is a ConflictError on create: draw again). */
export function inviteCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += INVITE_ALPHABET[randomInt(INVITE_ALPHABET.length)];
  return code;
}

/**
 * Who gets INVITE_CREATE and INVITE_DELETE: those who may manage the channel (Manage Channels there), as Discord
 * sends them (discord.js: "requires the ManageChannels permission for the channel"). Their payload names the code,
 * and a code that gives roles must not reach everyone who can see the channel.
 */
export const inviteEventAudience = (channelId: string) => ({ channelId, permissions: String(Permissions.MANAGE_CHANNELS) });

/** Who may list the guild's invites, and so see any of them: Manage Server or View Audit Log (Discord's rule). */
export function mayListInvites(access: GuildAccess): boolean {
  return hasPermission(access.permissions, Permissions.MANAGE_GUILD) || hasPermission(access.permissions, Permissions.VIEW_AUDIT_LOG);
}

/** Form fields that carry numbers or booleans when sent as plain fields instead of payload_json. */
const NUMBER_FIELDS = new Set(['max_age', 'max_uses', 'target_type']);
const BOOLEAN_FIELDS = new Set(['temporary', 'unique']);

/**
 * A create body: the JSON (or the form's `payload_json`, or its plain fields) and the CSV, if one came: as the
 * `target_users_file` file part or, failing that, a text field of that name. A form that would lose something
 * unseen is refused (50035): a file part under any other name.
 */
export async function readInviteCreateBody(req: RouteRequest, maxDepth: number): Promise<{ body: unknown; targetUsersFile: Buffer | null }> {
  if (!req.raw.isMultipart()) return { body: req.body ?? {}, targetUsersFile: null };
  const form = await readTargetUsersForm(req);
  const { [TARGET_USERS_FILE_FIELD]: _csv, payload_json: payload, ...fields } = form.fields;
  const targetUsersFile = form.csv;
  if ('payload_json' in form.parsed) {
    if (valueDeeperThan(form.parsed.payload_json, maxDepth)) throw new ApiError(ErrorCodes.INVALID_JSON);
    return { body: form.parsed.payload_json ?? {}, targetUsersFile };
  }
  if (payload !== undefined) return { body: payload.length === 0 ? {} : parseJsonText(payload, maxDepth), targetUsersFile };
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (NUMBER_FIELDS.has(key) && /^\d+$/.test(value)) body[key] = Number(value);
    else if (BOOLEAN_FIELDS.has(key) && (value === 'true' || value === 'false')) body[key] = value === 'true';
    else if (key === 'role_ids') body[key] = form.all.role_ids!.length > 1 ? form.all.role_ids : parseRoleIdsField(value);
    else body[key] = value;
  }
  return { body, targetUsersFile };
}

/**
 * A form carrying a CSV of target users: the `target_users_file` file part or, failing that, a text field of that
 * name (`csv`, null when neither came). Refused: a file too large (413 40005), a file part under another name (50035).
 */
export async function readTargetUsersForm(req: RouteRequest): Promise<SingleFileForm & { csv: Buffer | null }> {
  const form = await readSingleFileForm(req.raw, TARGET_USERS_FILE_FIELD, TARGET_USERS_FILE_MAX_BYTES);
  if (form.tooLarge) throw new ApiError(ErrorCodes.REQUEST_TOO_LARGE);
  if (form.otherFiles.length > 0) throw fieldError(form.otherFiles[0]!, 'UNEXPECTED_FILE', 'Only target_users_file may be a file');
  const text = form.fields[TARGET_USERS_FILE_FIELD];
  return { ...form, csv: form.file ?? (text !== undefined ? Buffer.from(text, 'utf8') : null) };
}

/** `role_ids` as one plain form field: a JSON list, or ids separated by commas. */
function parseRoleIdsField(value: string): unknown {
  if (value.trim().startsWith('[')) {
    try {
      return JSON.parse(value);
    } catch {
      throw fieldError('role_ids', 'BASE_TYPE_ARRAY', 'Must be an array');
    }
  }
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The roles an invite may give, checked as Discord documents: Manage Roles, and each a role of the guild (not
 * @everyone, not managed by an integration) below the creator's highest. Returns them in the given order, each once.
 */
export function checkInviteRoles(access: GuildAccess, roleIds: readonly string[]): RoleRecord[] {
  if (roleIds.length === 0) return [];
  requirePermission(access, Permissions.MANAGE_ROLES);
  const unique = [...new Set(roleIds)];
  const roles = unique.map((id, i) => {
    const role = access.roles.find((r) => r.id === id && r.id !== access.guild.id);
    if (!role) throw fieldError(['role_ids', roleIds.indexOf(id, i)], 'ROLE_INVALID', 'Invalid role');
    return role;
  });
  for (const role of roles) requireAssignableRole(access, role);
  return roles;
}

/** The target users of a create or an update: Manage Server first, then the file's ids (400 naming bad lines). */
export function checkTargetUsersFile(access: GuildAccess | null, file: Buffer | null, required: boolean): string[] | null {
  if (file === null) {
    if (required) throw formError([{ path: [TARGET_USERS_FILE_FIELD], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
    return null;
  }
  if (access) requirePermission(access, Permissions.MANAGE_GUILD);
  return parseTargetUsersCsv(file);
}
