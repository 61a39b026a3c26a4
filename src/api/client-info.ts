/**
 * What a client says it is when it logs in, for the sessions list (GET /auth/sessions `client_info`): its
 * operating system and its client (a browser, Discord's app, a library). Discord's clients describe themselves
 * in X-Super-Properties (base64 JSON with `os` and `browser`); anything else is read from its User-Agent.
 * Only for display: a client can claim anything here.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface ClientInfo {
  os: string | null;
  platform: string | null;
}

const MAX_LENGTH = 64;

const OS_PATTERNS: Array<[RegExp, string]> = [
  [/Windows/i, 'Windows'],
  [/Android/i, 'Android'],
  [/iPhone|iPad|iPod|\biOS\b/i, 'iOS'],
  [/CrOS/, 'Chrome OS'],
  [/Mac OS X|Macintosh|Darwin/i, 'Mac OS X'],
  [/Linux|X11/i, 'Linux'],
];

// Order matters: Edge and Opera say Chrome too, Chrome says Safari.
const CLIENT_PATTERNS: Array<[RegExp, string]> = [
  [/\bdiscord\/[\d.]+/i, 'Discord Client'],
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bFirefox\//, 'Firefox'],
  [/\bChrom(e|ium)\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
  [/^DiscordBot\b/, 'DiscordBot'],
];

const clip = (s: unknown): string | null => (typeof s === 'string' && s.trim() ? s.trim().slice(0, MAX_LENGTH) : null);

function fromSuperProperties(header: string | undefined): ClientInfo | null {
  if (!header || header.length > 8192) return null;
  try {
    const props = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, unknown>;
    if (!props || typeof props !== 'object') return null;
    const info = { os: clip(props.os), platform: clip(props.browser) };
    return info.os || info.platform ? info : null;
  } catch {
    return null;
  }
}

function fromUserAgent(ua: string | undefined): ClientInfo {
  if (!ua) return { os: null, platform: null };
  const os = OS_PATTERNS.find(([re]) => re.test(ua))?.[1] ?? null;
  // Unknown clients (curl, libraries) are named by the first product token of their User-Agent.
  const platform = CLIENT_PATTERNS.find(([re]) => re.test(ua))?.[1] ?? clip(ua.split(/[\s/(]/)[0]);
  return { os, platform };
}

export function clientInfo(headers: IncomingHttpHeaders): ClientInfo {
  const superProps = headers['x-super-properties'];
  const ua = headers['user-agent'];
  return fromSuperProperties(Array.isArray(superProps) ? superProps[0] : superProps) ?? fromUserAgent(Array.isArray(ua) ? ua[0] : ua);
}
