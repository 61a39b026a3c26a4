/**
 * What the fuzz suite sends: hostile JSON values, whole request bodies (parsed, raw and mis-typed) and path
 * segments. Everything is drawn from a Prng, so the same seed sends the same bytes.
 */
import type { Prng } from './prng.ts';

/** Field names Accord's routes read, plus the keys that poison prototypes. */
export const FIELD_NAMES = [
  'name', 'content', 'type', 'id', 'position', 'topic', 'nsfw', 'parent_id', 'rate_limit_per_user', 'bitrate', 'user_limit',
  'permission_overwrites', 'allow', 'deny', 'permissions', 'color', 'colors', 'hoist', 'mentionable', 'icon', 'unicode_emoji',
  'roles', 'nick', 'mute', 'deaf', 'channel_id', 'guild_id', 'message_id', 'user_id', 'recipient_id', 'recipients', 'access_tokens',
  'communication_disabled_until', 'delete_message_seconds', 'delete_message_days', 'messages', 'embeds', 'allowed_mentions',
  'message_reference', 'nonce', 'enforce_nonce', 'tts', 'flags', 'sticker_ids', 'components', 'attachments', 'username',
  'password', 'new_password', 'email', 'avatar', 'banner', 'bio', 'global_name', 'description', 'owner_id', 'verification_level',
  'default_message_notifications', 'explicit_content_filter', 'afk_channel_id', 'afk_timeout', 'system_channel_id',
  'max_age', 'max_uses', 'temporary', 'unique', 'target_type', 'token', 'manual', 'mention_count', 'limit', 'after', 'before',
  'around', 'bot_public', 'bot_require_code_grant', 'interactions_endpoint_url', 'redirect_uris', 'client_id', 'scope',
  'authorize', 'parse', 'users', 'replied_user', 'fail_if_not_exists', 'title', 'url', 'fields', 'footer', 'image', 'value',
  'inline', 'login', 'undelete', 'captcha_key', 'lock_permissions', 'archived', 'locked', 'default_auto_archive_duration',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '',
] as const;

const STRINGS = [
  '', ' ', 'a', 'hello', '0', '-1', '1.5', 'true', 'null', '@me', '@everyone', '<@1>', '<@&1>', '<#1>', '<script>alert(1)</script>',
  'javascript:alert(1)', 'https://example.test/x', '../../etc/passwd', '%00', '\u0000', '\u0000\u0001\u001f', '\r\n', '\t',
  '👍', '👨‍👩‍👧‍👦', '🏳️‍🌈', '\u202Eevil', '\uFEFF', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇', 'ｆｕｌｌｗｉｄｔｈ', 'مرحبا', '中文', '\ud800', '\udfff',
  '9223372036854775807', '9223372036854775808', '18446744073709551616', '123456789012345678', '01', '1e3', '0x10', 'NaN',
  'Infinity', '${7*7}', '{{7*7}}', "' OR 1=1 --", '"; DROP TABLE users; --', 'a'.repeat(33), 'a'.repeat(101), 'a'.repeat(2001),
];

const NUMBERS = [
  0, -0, 1, -1, 2, 3, 4, 5, 10, 15, 16, 25, 50, 100, 101, 255, 1000, 2000, 4096, 65535, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32,
  Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1.5, -1.5, 0.1, 1e21, 1e308, -1e308, 5e-324,
];

/** Snowflake-shaped ids: the fixture's own (so requests reach past existence checks) and unknown ones. */
export interface IdPool {
  known: readonly string[];
}

export function randomString(r: Prng): string {
  if (r.chance(0.08)) return 'x'.repeat(r.pick([100, 1000, 5000, 40_000]));
  if (r.chance(0.15)) {
    let s = '';
    const n = 1 + r.int(12);
    for (let i = 0; i < n; i++) s += String.fromCodePoint(r.pick([r.int(0x80), 0x80 + r.int(0x780), 0x4e00 + r.int(0x5000), 0x1f300 + r.int(0x300), 0xd800 + r.int(0x800)]));
    return s;
  }
  return r.pick(STRINGS);
}

/** Objects whose conversion to a string throws (`String({toString: 1})`): code must not call String() on input blindly. */
export const POISON: readonly unknown[] = [{ toString: 1 }, { toString: 1, valueOf: 1 }, { valueOf: null, toString: null }, [{ toString: 1 }]];

export function randomValue(r: Prng, ids: IdPool, depth = 0): unknown {
  if (r.chance(0.04)) return structuredClone(r.pick(POISON));
  const roll = r.int(depth > 3 ? 7 : 10);
  switch (roll) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick(NUMBERS);
    case 3: case 4: return randomString(r);
    case 5: return r.pick(ids.known);
    case 6: return String(r.int(2 ** 30) * 2 ** 22 + r.int(2 ** 22));
    case 7: case 8: return Array.from({ length: r.int(5) }, () => randomValue(r, ids, depth + 1));
    default: return randomObject(r, ids, depth + 1);
  }
}

export function randomObject(r: Prng, ids: IdPool, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = r.int(7);
  for (let i = 0; i < n; i++) {
    const key = r.chance(0.9) ? r.pick(FIELD_NAMES) : randomString(r).slice(0, 40);
    // defineProperty: an own "__proto__" key survives to JSON.stringify, as an attacker's raw JSON would carry it.
    Object.defineProperty(out, key, { value: randomValue(r, ids, depth), enumerable: true, configurable: true, writable: true });
  }
  return out;
}

/** `{...}` or `[...]` nested `depth` levels. */
export function nested(depth: number, kind: 'object' | 'array' | 'mixed', r: Prng): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const obj = kind === 'object' || (kind === 'mixed' && r.chance(0.5));
    open += obj ? '{"a":' : '[';
    close = (obj ? '}' : ']') + close;
  }
  return `${open}1${close}`;
}

export interface BodyCase {
  what: string;
  /** Raw bytes of the body, undefined for none. */
  body?: string;
  contentType?: string;
}

const RAW_BODIES: BodyCase[] = [
  { what: 'prototype pollution', body: '{"__proto__":{"admin":true,"permissions":"8"},"constructor":{"prototype":{"admin":true}},"name":"p"}' },
  { what: 'prototype pollution nested', body: '{"permission_overwrites":[{"__proto__":{"allow":"8"},"id":"1","type":0}],"embeds":[{"__proto__":{"x":1}}]}' },
  { what: 'integers beyond 2^64', body: '{"id":123456789012345678901234567890,"limit":1e400,"position":-9223372036854775809,"nonce":18446744073709551616}' },
  { what: 'snowflakes as 64-bit integers', body: '{"channel_id":9223372036854775807,"parent_id":9223372036854775808,"nonce":9007199254740993}' },
  { what: 'duplicate keys', body: '{"name":"a","name":{"b":1},"content":"x","content":null}' },
  { what: 'truncated JSON', body: '{"content":' },
  { what: 'single quotes', body: "{'content':'hi'}" },
  { what: 'NaN', body: 'NaN' },
  { what: 'NUL byte', body: '\u0000' },
  { what: 'BOM then JSON', body: '\uFEFF{"content":"hi"}' },
  { what: 'lone surrogate escapes', body: '{"content":"\\ud800\\udc00\\ud800","name":"\\udfff"}' },
  { what: 'escaped NUL in strings', body: '{"content":"a\\u0000b","name":"\\u0000"}' },
  { what: 'top-level string', body: '"hello"' },
  { what: 'top-level number', body: '42' },
  { what: 'top-level null', body: 'null' },
  { what: 'top-level array', body: '[{"content":"hi"}]' },
  { what: 'empty object', body: '{}' },
  { what: 'whitespace', body: '   ' },
  { what: 'text/plain JSON', body: '{"content":"hi"}', contentType: 'text/plain' },
  { what: 'multipart garbage', body: '--x\r\nContent-Disposition: form-data; name="payload_json"\r\n\r\n{"content":"hi"}\r\n--x--', contentType: 'multipart/form-data; boundary=x' },
  { what: 'urlencoded pollution', body: 'a[b][c]=1&__proto__[admin]=1&constructor[prototype][x]=1&content=hi', contentType: 'application/x-www-form-urlencoded' },
  { what: 'octet-stream', body: '\u00ff\u00fe\u0000', contentType: 'application/octet-stream' },
  { what: 'json with charset', body: '{"content":"hi"}', contentType: 'application/json; charset=utf-16' },
  { what: 'bogus content type', body: '{"content":"hi"}', contentType: '!!!/???' },
];

/** One request body: usually a random object of known fields, sometimes one of the hostile raw texts. */
export function randomBody(r: Prng, ids: IdPool, template?: Record<string, unknown>): BodyCase {
  const roll = r.int(100);
  if (roll < 30 && template) return { what: 'template with one field mutated', body: JSON.stringify(mutateTemplate(r, ids, template)) };
  if (roll < 55) return { what: 'random object', body: JSON.stringify(randomObject(r, ids)) };
  if (roll < 62) return { what: 'random value', body: JSON.stringify(randomValue(r, ids)) ?? 'null' };
  if (roll < 67) return { what: 'nesting past the cap', body: nested(33 + r.int(40), 'mixed', r) };
  if (roll < 69) return { what: 'very deep nesting', body: nested(20_000, r.chance(0.5) ? 'array' : 'object', r) };
  return r.pick(RAW_BODIES);
}

/**
 * The template with one to three fields replaced by something hostile, dropped, or added. `value` draws the
 * replacements (randomValue unless the caller wants its own mix).
 */
export function mutateTemplate(r: Prng, ids: IdPool, template: Record<string, unknown>, value: (r: Prng) => unknown = (x) => randomValue(x, ids)): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(template);
  for (let round = 0, rounds = 1 + r.int(3); round < rounds; round++) {
    const keys = Object.keys(out);
    const roll = r.int(10);
    if (roll === 0 && keys.length) delete out[r.pick(keys)];
    else if (roll === 1) Object.defineProperty(out, r.pick(FIELD_NAMES), { value: value(r), enumerable: true, configurable: true, writable: true });
    else if (keys.length) {
      const key = r.pick(keys);
      const inner = out[key];
      // Reach one level down into an object or array field, where most validators live.
      if (inner && typeof inner === 'object' && r.chance(0.5)) {
        const innerKeys = Object.keys(inner);
        if (innerKeys.length) (inner as Record<string, unknown>)[r.pick(innerKeys)] = value(r);
      } else out[key] = value(r);
    }
  }
  return out;
}

/** Path segments (already URL-encoded) that are not the id a route wants. */
const BAD_SEGMENTS = [
  '0', '1', '-1', 'abc', '@me', '%40me', 'null', 'undefined', '__proto__', 'constructor', 'prototype', 'toString',
  '9223372036854775807', '9223372036854775808', '99999999999999999999999', '18446744073709551615', '1e3', '01', '0x10', '1.0',
  '%201', '%00', '%0A', '%F0%9F%91%8D', '%E2%80%AE1', '%EF%BC%91', '%D9%A1%D9%A2', '%2F', '%2E%2E', '..', '%25', '%F0',
  '%C0%AF', '%FF', 'x'.repeat(64), 'x'.repeat(200), '1'.repeat(30),
];

export function badSegment(r: Prng): string {
  if (r.chance(0.15)) return String(r.int(2 ** 30) * 2 ** 22 + r.int(2 ** 22)); // well-formed but unknown
  return r.pick(BAD_SEGMENTS);
}

/** Lone surrogates replaced: a URL can only carry UTF-8 (a body carries them as \u escapes). */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** A query string with hostile values for the usual paging and filter parameters. */
export function randomQuery(r: Prng, ids: IdPool): string {
  const keys = ['limit', 'after', 'before', 'around', 'with_counts', 'with_expiration', 'query', 'type', 'v', 'encoding', 'client_id', 'scope', 'permissions', 'guild_id', '__proto__[x]', 'limit[]'];
  const parts: string[] = [];
  for (let i = 0, n = 1 + r.int(4); i < n; i++) {
    const value = r.chance(0.3) ? r.pick(ids.known) : String(r.chance(0.5) ? r.pick(NUMBERS) : randomString(r).slice(0, 300));
    parts.push(`${encodeURIComponent(r.pick(keys)).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(wellFormed(value))}`);
  }
  return parts.join('&');
}
