import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

describe('config', () => {
  it('has the documented defaults and is frozen', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, './data');
    assert.deepEqual([...c.roles], ['api', 'sessions', 'guild', 'presence', 'cdn', 'embed', 'search', 'push']);
    assert.equal(c.databaseUrl, undefined);
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.roles));
  });

  it('layers defaults → file → env → flags', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'accord-config-'));
    const file = path.join(dir, 'accord.json');
    writeFileSync(file, JSON.stringify({ port: 9000, host: '127.0.0.2', logLevel: 'debug' }));
    const c = loadConfig({ env: { ACCORD_CONFIG: file, PORT: '9100', ACCORD_ROLES: 'api,guild' }, argv: ['--port', '9200'] });
    assert.equal(c.host, '127.0.0.2');
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.port, 9200);
    assert.deepEqual([...c.roles], ['api', 'guild']);
  });

  it('names the bad setting and where it comes from', () => {
    assert.throws(() => loadConfig({ env: { PORT: 'eighty' } }), (err: Error) => err instanceof ConfigError && /port \(PORT \/ --port\)/.test(err.message));
    assert.throws(() => loadConfig({ env: { ACCORD_DATABASE_URL: 'mysql://x' } }), /databaseUrl \(ACCORD_DATABASE_URL/);
    assert.throws(() => loadConfig({ env: { ACCORD_ROLES: 'api,web3' } }), /roles/);
    assert.throws(() => loadConfig({ env: { ACCORD_TLS_CERT: '/tmp/cert.pem' } }), /ACCORD_TLS_CERT and ACCORD_TLS_KEY go together/);
    assert.throws(() => loadConfig({ env: {}, argv: ['--port'] }), /--port needs a value/);
  });

  it('switches engines by URL', () => {
    const c = loadConfig({ env: { ACCORD_DATABASE_URL: 'postgres://u@127.0.0.1/db', ACCORD_NATS_URL: 'nats://127.0.0.1:4222' } });
    assert.equal(c.databaseUrl, 'postgres://u@127.0.0.1/db');
    assert.equal(c.natsUrl, 'nats://127.0.0.1:4222');
  });
});
