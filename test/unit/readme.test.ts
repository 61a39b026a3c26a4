import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ALL_ROLES, SETTINGS } from '../../src/config/schema.ts';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');
  it('documents every setting with its environment variable and default', () => {
    for (const [key, info] of Object.entries(SETTINGS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${info.env}\``));
      assert.ok(row, `README has no row for ${info.env} (${key})`);
      if (info.default !== undefined && !Array.isArray(info.default)) assert.ok(row.includes(String(info.default)), `README row for ${info.env} lacks default ${info.default}`);
    }
  });
  it('names every registered role in the roles row', () => {
    const row = readme.split('\n').find((line) => line.startsWith('| `ACCORD_ROLES`'))!;
    for (const role of ALL_ROLES) assert.ok(row.includes(role), `README roles row lacks ${role}`);
    assert.ok(row.includes(SETTINGS.roles.doc), 'README roles row is the setting\'s doc text');
  });
  it('gives the two set-up commands', () => {
    assert.ok(readme.includes('npm ci && npm start'));
    assert.ok(readme.includes('npm ci && npm test'));
  });
});
