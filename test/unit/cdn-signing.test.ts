/** Signed CDN URLs (src/media/signing.ts): Discord's ex / is / hm, checked against path, times and key. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { attachmentLinks } from '../../src/media/attachments.ts';
import { checkSignature, signatureQuery, signPath, SIGNED_URL_TTL_MS } from '../../src/media/signing.ts';

const key = randomBytes(32);
const path = '/attachments/1100000000000000000/1200000000000000000/photo.png';
const now = Date.UTC(2025, 4, 17, 13, 37, 5);
const query = (sig: { ex: string; is: string; hm: string }) => Object.fromEntries(new URLSearchParams(signatureQuery(sig)));

describe('signed CDN URLs', () => {
  it('accepts its own signature: hex times, issued on the hour, expiring after the TTL', () => {
    const sig = signPath(key, path, now);
    assert.match(sig.ex, /^[0-9a-f]+$/);
    assert.match(sig.hm, /^[0-9a-f]{64}$/);
    assert.equal(parseInt(sig.is, 16), Math.floor(now / 3_600_000) * 3600);
    assert.equal(parseInt(sig.ex, 16) - parseInt(sig.is, 16), SIGNED_URL_TTL_MS / 1000);
    assert.equal(signatureQuery(sig), `ex=${sig.ex}&is=${sig.is}&hm=${sig.hm}`);
    assert.equal(checkSignature(key, path, query(sig), now), 'ok');
    assert.equal(checkSignature(key, path, query(sig), now + SIGNED_URL_TTL_MS - 3_600_000), 'ok');
    // Within the hour the URL is the same, so clients and caches see one URL.
    assert.deepEqual(signPath(key, path, now + 60_000), sig);
  });

  it('refuses another path: another file, another filename, another channel', () => {
    const sig = query(signPath(key, path, now));
    for (const other of [path.replace('1200000000000000000', '1200000000000000001'), path.replace('photo.png', 'photo.html'), path.replace('/1100', '/1101'), `${path}/`]) {
      assert.equal(checkSignature(key, other, sig, now), 'invalid', other);
    }
  });

  it('refuses tampered times and MACs, and another key', () => {
    const sig = signPath(key, path, now);
    const later = (parseInt(sig.ex, 16) + 86_400).toString(16);
    assert.equal(checkSignature(key, path, query({ ...sig, ex: later }), now), 'invalid', 'a pushed-back expiry');
    assert.equal(checkSignature(key, path, query({ ...sig, is: (parseInt(sig.is, 16) - 1).toString(16) }), now), 'invalid', 'another issue time');
    const flipped = (sig.hm[0] === '0' ? '1' : '0') + sig.hm.slice(1);
    assert.equal(checkSignature(key, path, query({ ...sig, hm: flipped }), now), 'invalid', 'a flipped MAC digit');
    assert.equal(checkSignature(randomBytes(32), path, query(sig), now), 'invalid', 'signed with another key');
    assert.equal(checkSignature(key, path, { ...query(sig), hm: sig.hm.toUpperCase() }, now), 'invalid', 'not lowercase hex');
    assert.equal(checkSignature(key, path, { ...query(sig), ex: ['1', '2'] }, now), 'invalid', 'a repeated parameter');
  });

  it('refuses an expired URL, even with a valid MAC', () => {
    const sig = query(signPath(key, path, now - SIGNED_URL_TTL_MS - 3_600_000));
    assert.equal(checkSignature(key, path, sig, now), 'expired');
    const exact = signPath(key, path, now);
    assert.equal(checkSignature(key, path, query(exact), parseInt(exact.ex, 16) * 1000), 'expired', 'at the expiry second');
  });

  it('calls a URL without its parameters missing, and one with some of them invalid', () => {
    assert.equal(checkSignature(key, path, {}, now), 'missing');
    const sig = query(signPath(key, path, now));
    assert.equal(checkSignature(key, path, { ex: sig.ex, is: sig.is }, now), 'invalid');
    assert.equal(checkSignature(key, path, { hm: sig.hm }, now), 'invalid');
  });

  it('builds attachment URLs as Discord does: cdn base, path, query, trailing &', () => {
    const links = attachmentLinks({ cdnBase: () => 'https://cdn.example', signingKey: key }, now);
    const url = new URL(links.attachmentUrl('1100000000000000000', '1200000000000000000', 'photo.png'));
    assert.equal(url.origin + url.pathname, `https://cdn.example${path}`);
    assert.ok(url.href.endsWith('&'));
    assert.equal(checkSignature(key, url.pathname, Object.fromEntries(url.searchParams), now), 'ok');
  });
});
