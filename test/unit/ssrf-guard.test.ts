import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForbiddenAddressError, isForbiddenAddress, parseAllowList, vetHost } from '../../src/media/ssrf.ts';
import { fetchForEmbed } from '../../src/embed/fetch.ts';
import { FetchRefusedError } from '../../src/media/guarded-fetch.ts';
import { unfurlUrls } from '../../src/protocol/message-urls.ts';

const FORBIDDEN = [
  '127.0.0.1', '127.8.9.10', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', '100.64.0.1',
  '169.254.169.254', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '::',
  '255.255.255.255', '224.0.0.1', 'ff02::1', '2002:7f00:1::1', '64:ff9b::a00:1', 'not-an-address',
];

describe('SSRF guard', () => {
  for (const ip of FORBIDDEN) {
    it(`refuses ${ip}`, async () => {
      assert.equal(isForbiddenAddress(ip), true);
      if (ip !== 'not-an-address') await assert.rejects(vetHost(ip.includes(':') ? `[${ip}]` : ip), ForbiddenAddressError);
    });
  }

  it('passes public addresses without fetching them', async () => {
    for (const ip of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isForbiddenAddress(ip), false, ip);
    assert.deepEqual(await vetHost('1.1.1.1'), { address: '1.1.1.1', family: 4 });
    assert.deepEqual(await vetHost('[2606:4700:4700::1111]'), { address: '2606:4700:4700::1111', family: 6 });
  });

  it('refuses a hostname that resolves to loopback (localhost)', async () => {
    await assert.rejects(vetHost('localhost'), ForbiddenAddressError);
  });

  it('refuses a name with any private address among public ones', async () => {
    const resolve = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }];
    await assert.rejects(vetHost('mixed.example', [], resolve), ForbiddenAddressError);
    const publicOnly = async () => [{ address: '93.184.216.34', family: 4 }];
    assert.deepEqual(await vetHost('public.example', [], publicOnly), { address: '93.184.216.34', family: 4 });
  });

  it('the allow-list exempts addresses and CIDRs, and nothing else', () => {
    const allow = parseAllowList(['127.0.0.1', '10.0.0.0/8', '::1']);
    assert.equal(isForbiddenAddress('127.0.0.1', allow), false);
    assert.equal(isForbiddenAddress('::ffff:127.0.0.1', allow), false);
    assert.equal(isForbiddenAddress('10.200.1.1', allow), false);
    assert.equal(isForbiddenAddress('::1', allow), false);
    assert.equal(isForbiddenAddress('127.0.0.2', allow), true);
    assert.equal(isForbiddenAddress('169.254.169.254', allow), true);
  });

  it('fetches only http and https, and never a forbidden address', async () => {
    await assert.rejects(fetchForEmbed('ftp://1.1.1.1/x', { allow: [] }), FetchRefusedError);
    await assert.rejects(fetchForEmbed('http://169.254.169.254/latest/meta-data/', { allow: [] }), ForbiddenAddressError);
    await assert.rejects(fetchForEmbed('http://localhost:1/', { allow: [] }), ForbiddenAddressError);
    await assert.rejects(fetchForEmbed('http://[::ffff:127.0.0.1]:1/', { allow: [] }), ForbiddenAddressError);
  });
});

describe('links to unfurl', () => {
  it('finds http(s) links, skipping code, <suppressed> ones and duplicates, at most five', () => {
    assert.deepEqual(unfurlUrls('see https://a.example/x. and (http://b.example/y)'), ['https://a.example/x', 'http://b.example/y']);
    assert.deepEqual(unfurlUrls('`https://a.example` ```\nhttps://b.example\n``` <https://c.example> ftp://d.example'), []);
    assert.deepEqual(unfurlUrls('https://en.wikipedia.org/wiki/Foo_(bar)'), ['https://en.wikipedia.org/wiki/Foo_(bar)']);
    assert.deepEqual(unfurlUrls('https://a.example https://a.example'), ['https://a.example/']);
    assert.equal(unfurlUrls([1, 2, 3, 4, 5, 6, 7].map((n) => `https://h${n}.example`).join(' ')).length, 5);
  });
});
