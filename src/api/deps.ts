import type { Bus } from '../bus/types.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { SnowflakeGenerator } from '../protocol/snowflake.ts';
import type { Store } from '../store/types.ts';

/** What the api role needs from the composition root. */
export interface ApiDeps {
  config: Config;
  store: Store;
  bus: Bus;
  log: Logger;
  ids: SnowflakeGenerator;
  /** Wall clock, injectable for tests. */
  now: () => number;
}
