/**
 * Interactions over HTTP, for an application with an `interactions_endpoint_url`: instead of INTERACTION_CREATE on
 * its bot's gateway, each interaction is POSTed there as JSON (the same payload), signed as Discord signs it
 * (signing.ts), with Discord's User-Agent. The answer is the interaction's response:
 *
 * - 200 with an interaction response ({type: 4, data}, 5, 6, 7, 8, 9) as JSON: applied exactly as a POST to
 *   /interactions/{id}/{token}/callback (respond.ts);
 * - 202 without a body: Discord's newer option, the application answers through the callback route instead;
 * - anything else, no answer within the interaction's 3 seconds, or a body that is not a valid response: the
 *   interaction fails and the user gets INTERACTION_FAILURE, as on Discord.
 *
 * Setting the URL verifies it first, as Discord does (verifyInteractionsEndpoint): a signed PING must be answered
 * 200 {type: 1} (PONG), and the same PING with a wrong signature must be refused with 401.
 *
 * The endpoint is a URL an application owner chose, so every request goes through the SSRF guard
 * (media/guarded-fetch.ts) with its own allow-list (ACCORD_INTERACTIONS_ALLOW_HOSTS), follows no redirect and reads
 * at most the api's request body limit of the answer.
 */
import type { ApplicationRecord } from '../../store/types.ts';
import { guardedGet, readCapped } from '../../media/guarded-fetch.ts';
import { parseAllowList } from '../../media/ssrf.ts';
import type { ApiDeps } from '../deps.ts';
import type { RouteContext } from '../route.ts';
import { InteractionRegistry, INTERACTION_RESPONSE_MS, InteractionType, type LiveInteraction } from './registry.ts';
import { answerInteraction } from './respond.ts';
import { signatureHeaders, withInteractionsKey } from './signing.ts';

/** What Discord's interaction requests say they are. */
export const INTERACTIONS_USER_AGENT = 'Discord-Interactions/1.0 (+https://discord.com)';

/** What an endpoint answered: its status and (capped) body. */
interface EndpointAnswer {
  status: number;
  body: Buffer;
}

/** POSTs `payload` to `url`, signed with the application's key (or with a wrong signature, for the check). */
async function postSigned(deps: ApiDeps, app: ApplicationRecord, url: string, payload: unknown, timeoutMs: number, opts: { badSignature?: boolean } = {}): Promise<EndpointAnswer> {
  const keyed = await withInteractionsKey(deps.store, app);
  const body = Buffer.from(JSON.stringify(payload));
  const headers = signatureHeaders(keyed.interactionsKey, body, deps.now());
  if (opts.badSignature) {
    // A valid-looking signature of other bytes: only an endpoint that checks it refuses the request.
    headers['x-signature-ed25519'] = signatureHeaders(keyed.interactionsKey, Buffer.from(`${body.toString()} `), deps.now())['x-signature-ed25519'];
  }
  const res = await guardedGet(url, {
    allow: parseAllowList(deps.config.interactionsAllowHosts),
    timeoutMs,
    maxRedirects: 0,
    accept: 'application/json',
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'user-agent': INTERACTIONS_USER_AGENT, ...headers },
  });
  const { body: answer, truncated } = await readCapped(res.response, deps.config.bodyLimitBytes, res.deadline);
  if (truncated) throw new Error('interactions endpoint answer too large or too slow');
  return { status: res.status, body: answer };
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether `url` answers as an interactions endpoint must (Discord's check when the URL is saved): a signed PING is
 * answered 200 with PONG, and a PING with an invalid signature 401. Any error (refused address, timeout,
 * redirect) is a failed check.
 */
export async function verifyInteractionsEndpoint(deps: ApiDeps, app: ApplicationRecord, url: string): Promise<boolean> {
  const ping = {
    id: deps.ids.next(), application_id: app.id, type: InteractionType.PING, token: InteractionRegistry.newToken(), version: 1,
    // Discord's PING also carries these two.
    entitlements: [], authorizing_integration_owners: {},
  };
  try {
    const good = await postSigned(deps, app, url, ping, INTERACTION_RESPONSE_MS);
    const pong = jsonOf(good.body) as { type?: unknown } | undefined;
    if (good.status !== 200 || pong?.type !== 1) return false;
    const bad = await postSigned(deps, app, url, ping, INTERACTION_RESPONSE_MS, { badSignature: true });
    return bad.status === 401;
  } catch (err) {
    deps.log.debug({ err, url }, 'interactions endpoint check failed');
    return false;
  }
}

/**
 * Sends interaction `i` (its INTERACTION_CREATE `payload`) to the application's endpoint and applies the answer,
 * in the background: the invocation does not wait. `onFail` tells the user the interaction failed.
 */
export function deliverOverHttp(ctx: RouteContext, app: ApplicationRecord & { interactionsEndpointUrl: string }, i: LiveInteraction, payload: Record<string, unknown>, onFail: () => void): void {
  const { deps } = ctx;
  const fail = async (why: string, err?: unknown) => {
    deps.log.info({ err, applicationId: app.id, interactionId: i.id }, `interaction delivery failed: ${why}`);
    // Failed now rather than at the 3 s timer; once, whoever (this or the timer) gets there first.
    if (await deps.store.interactions.setState(i.id, 'pending', 'failed')) onFail();
  };
  const run = async () => {
    let answer: EndpointAnswer;
    try {
      answer = await postSigned(deps, app, app.interactionsEndpointUrl, payload, Math.max(0, i.createdAt + INTERACTION_RESPONSE_MS - deps.now()));
    } catch (err) {
      return fail('no answer', err);
    }
    // 202: the application answers through the callback route, within the same 3 seconds.
    if (answer.status === 202) return;
    if (answer.status !== 200) return fail(`status ${answer.status}`);
    const response = jsonOf(answer.body);
    if (response === undefined) return fail('the answer is not JSON');
    try {
      await answerInteraction(ctx, i, response, null, false);
    } catch (err) {
      return fail('the answer is not a valid interaction response', err);
    }
  };
  run().catch((err: unknown) => deps.log.warn({ err, interactionId: i.id }, 'interaction delivery crashed'));
}
