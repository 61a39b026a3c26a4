/**
 * How request bodies are read, judged the way Discord judges them:
 *
 * - A request without a body is a request without a body, whatever its Content-Type says. Some HTTP stacks send
 *   `Content-Type: application/octet-stream` (or `application/json`) with `Content-Length: 0` on every bodiless
 *   POST/PUT/PATCH; Discord accepts those, so the header is dropped before Fastify looks for a parser.
 * - JSON integers keep every digit. Snowflakes are 64-bit and some libraries send them as JSON numbers; JSON.parse
 *   rounds anything above 2^53 before validation could see it. A body that may hold such a number is read again
 *   with lossless-json, which hands the exact digits to us: integers beyond Number.MAX_SAFE_INTEGER become bigints.
 *   Snowflake fields accept those (api/validate.ts); other number fields refuse them with NUMBER_TYPE_MAX, as they
 *   would any number over their range.
 * - Nesting is capped (ACCORD_JSON_MAX_DEPTH): the raw text is scanned for depth, without recursion, before any
 *   parser (all of which recurse) sees it. A deeper body is answered like any JSON we will not read.
 */
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import { parse as parseLossless } from 'lossless-json';

/** An integer literal of 16+ digits right after `:`, `[` or `,`: the only way JSON can hold a number above 2^53. */
const MAY_HOLD_BIG_INTEGER = /[:[,]\s*-?\d{16}/;

export function mayHoldBigInteger(text: string): boolean {
  return MAY_HOLD_BIG_INTEGER.test(text);
}

function exactNumber(text: string): number | bigint {
  const n = Number(text);
  if (Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) return n;
  return BigInt(text);
}

/**
 * The value of a JSON text with integers beyond 2^53 as bigints, or undefined when lossless-json cannot read a text
 * that JSON.parse accepted (duplicate keys, which JSON.parse resolves last-wins). Slower than JSON.parse: only for
 * texts that `mayHoldBigInteger`.
 */
export function parseExactJson(text: string): unknown {
  try {
    return parseLossless(text, null, exactNumber);
  } catch {
    return undefined;
  }
}

/**
 * Whether a JSON text nests arrays and objects deeper than `maxDepth`: one pass over the characters, brackets
 * inside strings not counted, stopping at the first level too deep. Malformed text is left to the parser.
 */
export function jsonDeeperThan(text: string, maxDepth: number): boolean {
  // Each level needs an opening bracket: a text this short cannot be too deep.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Jump over the string to its closing quote: the first one after an even run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i === -1) return false;
        let backslashes = 0;
        for (let j = i - 1; text.charCodeAt(j) === 0x5c /* \ */; j--) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * A JSON text read by the same rules as a JSON body (payload_json of a multipart body): deeper than `maxDepth` or
 * malformed, it throws Fastify's invalid-JSON error (answered 50109); integers beyond 2^53 come back as bigints.
 * `__proto__` keys are refused as Fastify's own parser refuses them.
 */
export function parseJsonText(text: string, maxDepth: number): unknown {
  if (jsonDeeperThan(text, maxDepth)) throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v) => {
      if (key === '__proto__') throw new SyntaxError('__proto__ key');
      return v;
    });
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  return mayHoldBigInteger(text) ? (parseExactJson(text) ?? value) : value;
}

/** Whether an already parsed value nests deeper than `maxDepth` (walked without recursion). */
export function valueDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** True when the request carries no body bytes: no Transfer-Encoding and a Content-Length that is absent or 0. */
export function hasNoBody(request: FastifyRequest): boolean {
  const { headers } = request.raw;
  return headers['transfer-encoding'] === undefined && (headers['content-length'] === undefined || headers['content-length'] === '0');
}

export function installBodyParsing(app: FastifyInstance, opts: { maxDepth: number }) {
  // onRequest runs before Fastify picks a content-type parser, so a bodiless request never meets one.
  // Callback form: it awaits nothing (src/http.ts says why).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.raw.headers['content-type'] !== undefined && hasNoBody(request)) delete request.raw.headers['content-type'];
    done();
  });

  // Fastify's own JSON parser first: it answers broken JSON and refuses __proto__ / constructor.prototype keys.
  const standard = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // A chunked request can still arrive empty; it has no body either.
    if (text.length === 0) return done(null, undefined);
    if (jsonDeeperThan(text, opts.maxDepth)) return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
    standard(request, text, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      done(null, mayHoldBigInteger(text) ? (parseExactJson(text) ?? value) : value);
    });
  });

  // Discord answers a text/plain body with CONTENT_TYPE_INVALID; Fastify would hand it over as a string.
  app.removeContentTypeParser('text/plain');
  // Discord also takes urlencoded forms; multipart (with files) is read by the routes that take files
  // (api/messages/uploads.ts), through @fastify/multipart.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
