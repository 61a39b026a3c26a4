/**
 * Which Web Push endpoint URLs Accord accepts and will POST to. https always (the push services browsers use);
 * http only to a host the allow-list (ACCORD_PUSH_ALLOW_HOSTS, the syntax of ACCORD_EMBED_ALLOW_HOSTS) names,
 * for tests and self-hosted push services. Every send is also vetted by the SSRF guard (media/ssrf.ts), so an
 * https endpoint on a private address is refused at send time unless allow-listed.
 */
import ipaddr from 'ipaddr.js';
import type { AllowList } from './ssrf.ts';

/** True when `endpoint` may be registered (`allow`: the parsed allow-list). */
export function acceptableEndpoint(endpoint: string, allow: AllowList): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(host)) return false;
  const addr = ipaddr.parse(host);
  return allow.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
}
