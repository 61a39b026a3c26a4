/**
 * The JSON payload of a Slack or GitHub delivery: the request's JSON body, or — when the sender posts a form
 * (`application/x-www-form-urlencoded`, Slack's and GitHub's other encoding) — the JSON text of its `payload`
 * field, read by the same rules as any JSON body (depth cap, exact integers).
 */
import { parseJsonText } from '../json-body.ts';

export function platformPayload(body: unknown, maxDepth: number): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && typeof (body as { payload?: unknown }).payload === 'string') {
    return parseJsonText((body as { payload: string }).payload, maxDepth);
  }
  return body;
}
