// Placeholder: being written.
import type { ProcessDeps } from '../contracts/role.ts';
import type { Logger } from '../lib/log.ts';
import type { CdnPart } from './part.ts';

export async function startBlobJanitor(_deps: ProcessDeps, _log: Logger): Promise<CdnPart> {
  return {};
}
