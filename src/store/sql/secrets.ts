/** Shared secrets: the first insert wins, every later caller reads what it stored (types.ts SecretStore). */
import type { SecretStore } from '../types.ts';
import type { SqlDriver } from './driver.ts';
import { int, rs, text } from './values.ts';

export class SqlSecretStore implements SecretStore {
  constructor(private readonly db: SqlDriver) {}

  async getOrCreate(name: string, candidate: string, now: number): Promise<string> {
    await this.db.run('INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [text(name, 'shortText', 'name'), text(candidate, 'shortText', 'value'), int(now, 'now')]);
    const row = await this.db.get('SELECT value FROM secrets WHERE name = ?', [name]);
    return rs(row!.value);
  }
}
