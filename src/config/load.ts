import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ALL_ROLES, configSchema, SETTINGS, type Config } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Raw = Record<string, unknown>;

function splitRoles(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
  return roles.length === 1 && roles[0] === 'all' ? [...ALL_ROLES] : roles;
}

/** Parses `--name value` and `--name=value` flags that match a setting; other arguments are returned as rest. */
export function parseFlags(argv: readonly string[]): { values: Raw; configFile?: string; rest: string[] } {
  const byFlag = new Map(Object.entries(SETTINGS).map(([key, info]) => [info.flag, key]));
  const values: Raw = {};
  const rest: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--config') {
      configFile = inline ?? argv[++i];
      continue;
    }
    const key = byFlag.get(flag);
    if (!key) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    values[key] = value;
  }
  return { values, configFile, rest };
}

/**
 * Builds the frozen configuration: defaults → JSON file → environment → flags, validated once.
 * A bad setting throws ConfigError naming the setting and where it can be set.
 */
export function loadConfig(opts: { env?: NodeJS.ProcessEnv; argv?: readonly string[]; overrides?: Raw } = {}): Config {
  const env = opts.env ?? process.env;
  const flags = parseFlags(opts.argv ?? []);
  const raw: Raw = {};
  for (const [key, info] of Object.entries(SETTINGS)) if (info.default !== undefined) raw[key] = info.default;
  raw.nodeId = `${os.hostname()}-${process.pid}`;
  raw.processId = process.pid % 32;

  const file = flags.configFile ?? env.ACCORD_CONFIG;
  if (file) {
    try {
      Object.assign(raw, JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
  }
  for (const [key, info] of Object.entries(SETTINGS)) {
    const value = env[info.env];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, flags.values, opts.overrides ?? {});
  raw.roles = splitRoles(raw.roles);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const info = SETTINGS[key as keyof typeof SETTINGS];
      const where = info ? ` (${info.env} / ${info.flag})` : '';
      return `invalid setting ${key}${where}: ${issue.message}`;
    });
    throw new ConfigError(lines.join('; '));
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export type { Config };
