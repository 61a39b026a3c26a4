/** The image proxy's URLs (src/media/external-url.ts): Discord's shape, and every signed URL reads back exactly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { externalProxyUrl, verifyExternalPath } from '../../src/media/external-url.ts';

const KEY = Buffer.from('k'.repeat(32));
const BASE = 'https://cdn.accord.test';
const pathOf = (proxyUrl: string) => proxyUrl.slice(BASE.length);

describe('external proxy URLs', () => {
  it("have Discord's shape: /external/{signature}/[{%3Fquery}/]{protocol}/{host}/{path}", () => {
    assert.match(externalProxyUrl(BASE, KEY, 'https://i.example.com/a/b.png')!, /^https:\/\/cdn\.accord\.test\/external\/[A-Za-z0-9_-]{43}\/https\/i\.example\.com\/a\/b\.png$/);
    assert.match(externalProxyUrl(BASE, KEY, 'http://h.example:8080/x.gif?size=1024&v=2#frag')!, /\/external\/[A-Za-z0-9_-]{43}\/%3Fsize%3D1024%26v%3D2\/http\/h\.example:8080\/x\.gif$/);
  });

  it('read back to the URL they were built from', () => {
    for (const url of [
      'https://i.example.com/a/b.png',
      'https://i.example.com/',
      'http://h.example:8080/x.gif?size=1024&v=2',
      'https://pbs.example/media/F.jpg:large',
      'https://h.example/%3Fnot-a-query/p%2Fq.png?q=a%20b&r=%3F',
      'http://[2001:db8::1]:8080/i.png',
      'https://h.example/ünïcode path.png?ä=ö',
    ]) {
      const proxied = externalProxyUrl(BASE, KEY, url)!;
      assert.equal(verifyExternalPath(KEY, pathOf(proxied)), new URL(url).href, url);
    }
  });

  it('are refused when tampered with, signed by another key, or malformed', () => {
    const proxied = pathOf(externalProxyUrl(BASE, KEY, 'https://i.example.com/a.png?x=1')!);
    assert.equal(verifyExternalPath(Buffer.from('o'.repeat(32)), proxied), null);
    assert.equal(verifyExternalPath(KEY, proxied.replace('a.png', 'b.png')), null);
    assert.equal(verifyExternalPath(KEY, proxied.replace('/https/', '/http/')), null);
    assert.equal(verifyExternalPath(KEY, proxied.replace('%3Fx%3D1/', '')), null);
    assert.equal(verifyExternalPath(KEY, proxied.replace('%3Fx%3D1', '%3Fx%3D%E0')), null);
    for (const bad of ['/external/', '/external/abc/https/h/p', '/avatars/1/2.png', `/external/${'A'.repeat(43)}/ftp/h/p`, `/external/${'A'.repeat(43)}/https/h`]) assert.equal(verifyExternalPath(KEY, bad), null, bad);
  });

  it('are not built for URLs the proxy would never fetch', () => {
    for (const url of ['ftp://h.example/a.png', 'https://user:pw@h.example/a.png', 'data:image/png;base64,AA', 'not a url']) assert.equal(externalProxyUrl(BASE, KEY, url), null, url);
  });
});
