/** How values cross NATS: JSON bodies, `undefined` as an empty body, a responder's error as `{__busError}`. */
import { JSONCodec } from 'nats';
import { errorMessage } from './defaults.ts';

/** What a failed responder sends back instead of a reply. */
export interface WireError {
  __busError: string;
}

const EMPTY = new Uint8Array(0);
const jc = JSONCodec();

/** `undefined` travels as an empty body (JSONCodec would turn it into null); a bigint or a cycle is a TypeError. */
export function encode(value: unknown): Uint8Array {
  if (value === undefined) return EMPTY;
  try {
    return jc.encode(value);
  } catch (err) {
    throw new TypeError(`payload is not JSON-serialisable (${errorMessage((err as { chainedError?: unknown }).chainedError ?? err)})`);
  }
}

export function decode(data: Uint8Array): unknown {
  return data.length === 0 ? undefined : jc.decode(data);
}

export function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && typeof (value as WireError).__busError === 'string';
}
