/**
 * The guard against server-side request forgery: the embed role fetches URLs that users post and the cdn role's
 * image proxy fetches the pictures their pages name, so every address either connects to is checked first. Only
 * ordinary public unicast addresses pass (ipaddr.js `range()` is 'unicast'): loopback, private (RFC 1918),
 * carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local, multicast, unspecified,
 * broadcast, reserved and the IPv6 forms that embed an IPv4 address (mapped, 6to4, NAT64, Teredo) are refused.
 * The allow-list (ACCORD_EMBED_ALLOW_HOSTS) exempts addresses or CIDRs.
 *
 * A hostname is resolved here, every address it has checked, and the fetch then connects to the checked address
 * (guarded-fetch.ts passes it as the socket's lookup) so a second DNS answer cannot switch it (DNS rebinding).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type AllowList = ReadonlyArray<[Address, number]>;

export class ForbiddenAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`refusing to fetch ${host}: ${address} is not a public address`);
  }
}

/** Parses the allow-list setting: addresses ("127.0.0.1", "::1") and CIDRs ("10.0.0.0/8"). */
export function parseAllowList(entries: readonly string[]): AllowList {
  return entries.map((entry) => {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const addr = ipaddr.parse(entry);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128] as [Address, number];
  });
}

function allowed(addr: Address, allow: AllowList): boolean {
  return allow.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
}

/** True when Accord must not connect to `ip`. Anything that does not parse is forbidden. */
export function isForbiddenAddress(ip: string, allow: AllowList = []): boolean {
  if (!ipaddr.isValid(ip)) return true;
  const parsed = ipaddr.parse(ip);
  const addr = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
  if (allowed(addr, allow) || allowed(parsed, allow)) return false;
  return addr.range() !== 'unicast';
}

export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;
const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * The address to connect to for `hostname` (as a URL gives it: IPv6 literals in brackets), or
 * ForbiddenAddressError. A name with any forbidden address is refused as a whole: a public and a private record
 * side by side is the classic rebinding set-up.
 */
export async function vetHost(hostname: string, allow: AllowList = [], resolve: Resolver = systemResolver): Promise<VettedAddress> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const literal = ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host));
  const found = literal ? [{ address: host, family: host.includes(':') ? 6 : 4 }] : await resolve(host);
  if (found.length === 0) throw new ForbiddenAddressError(host, '(no address)');
  for (const { address } of found) if (isForbiddenAddress(address, allow)) throw new ForbiddenAddressError(host, address);
  const first = found[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
