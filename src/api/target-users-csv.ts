/**
 * The CSV of a targeted invite's users (Discord's community invites): "a csv file with a single column of user
 * IDs". Read leniently where a spreadsheet would differ (a UTF-8 byte order mark, CRLF or CR line ends, blank
 * lines, quoted cells, a header line of any name: `user_id` as GET /invites/{code}/target-users writes it, or the
 * header a caller chose, which Discord's changelog of 2026-02-05 says it used to keep), strictly about the ids
 * themselves: each other line must be one snowflake, or the whole file is refused with every bad line named, as
 * Discord's example error lists them ("Line 5: invalid user ID - must be a valid Discord snowflake"). Duplicates
 * are ignored, as Discord documents.
 */
import { ApiError, ErrorCodes } from '../protocol/errors.ts';
import { isSnowflake } from '../protocol/snowflake.ts';

/** Largest file taken (4 MiB holds over 200,000 ids); more is 413 40005. */
export const TARGET_USERS_FILE_MAX_BYTES = 4 * 1024 * 1024;
/** Most users one invite may be targeted at (Discord documents none). */
export const TARGET_USERS_MAX = 100_000;
/** Bad lines named in one refusal; more are summed up in one last entry. */
const MAX_REPORTED = 50;

/** The header line GET /invites/{code}/target-users writes (and a file of that shape may carry back). */
export const TARGET_USERS_HEADER = 'user_id';

/** The user ids of the file, each once in their first order; throws the 400 described above. */
export function parseTargetUsersCsv(file: Buffer): string[] {
  const text = file.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r\n|\n|\r/);
  const seen = new Set<string>();
  const problems: string[] = [];
  let bad = 0;
  lines.forEach((raw, i) => {
    const cell = raw.trim().replace(/^"(.*)"$/, '$1').trim();
    // The first line is a header when it is no number at all (a column name).
    if (cell === '' || (i === 0 && /^[^\d]\D*$/.test(cell))) return;
    const problem = !/^\d+$/.test(cell) ? 'invalid user ID format'
      : !isSnowflake(cell) || cell === '0' ? 'invalid user ID - must be a valid Discord snowflake' : null;
    if (problem) {
      if (++bad <= MAX_REPORTED) problems.push(`Line ${i + 1}: ${problem}`);
      return;
    }
    seen.add(cell);
  });
  if (bad > MAX_REPORTED) problems.push(`… and ${bad - MAX_REPORTED} more invalid lines`);
  if (problems.length === 0 && seen.size === 0) problems.push('The file lists no user IDs');
  if (problems.length === 0 && seen.size > TARGET_USERS_MAX) problems.push(`At most ${TARGET_USERS_MAX} users may be listed (the file lists ${seen.size})`);
  if (problems.length > 0) throw targetUsersFileError(problems);
  return [...seen];
}

/**
 * 400 with Discord's usual error shape (50035, the lines under `errors.target_users_file`) and, beside it, the
 * `target_users_file` list of Discord's documented example, so a client reading either finds the lines.
 */
export function targetUsersFileError(problems: string[]): ApiError {
  return new ApiError(ErrorCodes.INVALID_FORM_BODY, {
    errors: { target_users_file: { _errors: problems.map((message) => ({ code: 'TARGET_USERS_FILE_INVALID', message })) } },
    extra: { target_users_file: problems },
  });
}

/** The CSV GET /invites/{code}/target-users answers: the header, then one id a line. */
export function targetUsersCsv(userIds: readonly string[]): string {
  return `${TARGET_USERS_HEADER}\n${userIds.map((id) => `${id}\n`).join('')}`;
}
