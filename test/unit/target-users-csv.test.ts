/** The CSV of a targeted invite's users (src/api/target-users-csv.ts): what is read leniently, what is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/protocol/errors.ts';
import { TARGET_USERS_MAX, parseTargetUsersCsv, targetUsersCsv } from '../../src/api/target-users-csv.ts';

const refusal = (csv: string): string[] => {
  try {
    parseTargetUsersCsv(Buffer.from(csv));
  } catch (err) {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 50035);
    return (err.toJSON() as unknown as { target_users_file: string[] }).target_users_file;
  }
  assert.fail('not refused');
};

describe('target users CSV', () => {
  it('reads one id a line: byte order mark, CR / CRLF / LF, blanks, quotes, the user_id header, duplicates once', () => {
    assert.deepEqual(parseTargetUsersCsv(Buffer.from('\uFEFFUser_ID\r\n 11 \r\n\r\n"22"\r33\n11\n')), ['11', '22', '33']);
    assert.deepEqual(parseTargetUsersCsv(Buffer.from('11')), ['11']);
    assert.deepEqual(parseTargetUsersCsv(Buffer.from('"Discord ID"\n11\n')), ['11'], 'a header of any name');
    assert.deepEqual(refusal('12a\n11\n'), ['Line 1: invalid user ID format'], 'a first line with digits is no header');
  });
  it('what GET writes reads back the same', () => {
    const ids = ['101', '9223372036854775807', '5'];
    assert.deepEqual(parseTargetUsersCsv(Buffer.from(targetUsersCsv(ids))), ids);
  });
  it('names every bad line by its number; a header is only taken on line 1', () => {
    assert.deepEqual(refusal('11\nuser_id\n0\n9223372036854775808\n12a\n007\n'), [
      'Line 2: invalid user ID format',
      'Line 3: invalid user ID - must be a valid Discord snowflake',
      'Line 4: invalid user ID - must be a valid Discord snowflake',
      'Line 5: invalid user ID format',
      'Line 6: invalid user ID - must be a valid Discord snowflake',
    ]);
  });
  it('names at most 50 lines and sums up the rest', () => {
    const lines = refusal(Array.from({ length: 60 }, () => '1x').join('\n'));
    assert.equal(lines.length, 51);
    assert.equal(lines[50], '… and 10 more invalid lines');
  });
  it('refuses a file with no ids, and one with more than the cap', () => {
    assert.deepEqual(refusal('user_id\n\n'), ['The file lists no user IDs']);
    const many = Array.from({ length: TARGET_USERS_MAX + 1 }, (_, i) => String(i + 1)).join('\n');
    assert.match(refusal(many)[0]!, /^At most 100000 users/);
  });
});
