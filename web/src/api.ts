/**
 * REST client for /api/v10 with a user token sent bare in Authorization, as Discord's own client does.
 * 429s asking for a short wait (at most MAX_RATE_LIMIT_WAIT_S) are retried after `retry_after` (a few times); every
 * other failure, a longer 429 included, becomes an ApiError carrying Discord's JSON error body so forms can show the
 * field errors of a 50035.
 */
export const API_BASE = '/api/v10';
export const MAX_RATE_LIMIT_RETRIES = 3;
/** A 429 asking to wait longer than this (seconds) goes to the caller at once: nobody waits minutes behind a click. */
export const MAX_RATE_LIMIT_WAIT_S = 5;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
    /** Seconds to wait before trying again, for a 429 handed to the caller (see RequestOptions.rateLimitRetries). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The first field error message under `field` (Discord's `errors` tree), or the top-level message. */
  fieldMessage(field?: string): string {
    const tree = this.errors as Record<string, any> | undefined;
    const leaf = field ? tree?.[field]?._errors?.[0]?.message : undefined;
    if (leaf) return leaf;
    if (tree) {
      for (const value of Object.values(tree)) {
        const msg = value?._errors?.[0]?.message;
        if (msg) return msg;
      }
    }
    return this.message;
  }
}

export interface RequestOptions {
  /** 429s waited out and retried before the ApiError (with retryAfter) goes to the caller; default 3. */
  rateLimitRetries?: number;
  /** Extra request headers, e.g. X-Audit-Log-Reason (URL-encoded) on moderation actions. */
  headers?: Record<string, string>;
  /** The answer is text (a CSV), handed over as it came rather than parsed as JSON. */
  text?: boolean;
}

/** Called with the token a request was refused (401) for. */
type UnauthorizedListener = (token: string) => void;

export class RestClient {
  #token: string | null = null;
  #onUnauthorized: UnauthorizedListener | null = null;

  setToken(token: string | null) {
    this.#token = token;
  }
  get token() {
    return this.#token;
  }
  onUnauthorized(fn: UnauthorizedListener) {
    this.#onUnauthorized = fn;
  }

  async request<T = any>(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>, opts: RequestOptions = {}): Promise<T> {
    let url = API_BASE + path;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
      const s = qs.toString();
      if (s) url += `?${s}`;
    }
    const headers: Record<string, string> = { ...opts.headers };
    if (this.#token) headers.authorization = this.#token;
    // A form (files) goes as it is: the browser writes its multipart content type with the boundary.
    const form = typeof FormData !== 'undefined' && body instanceof FormData;
    if (body !== undefined && !form) headers['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, { method, headers, body: body === undefined ? undefined : form ? body : JSON.stringify(body) });
      if (res.status === 204) return undefined as T;
      const text = await res.text();
      if (res.ok && opts.text) return text as T;
      let data: any = undefined;
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        data = { message: text };
      }
      if (res.ok) return data as T;
      const wait = res.status === 429 ? Math.max(0.05, Number(data?.retry_after ?? res.headers.get('retry-after') ?? 1)) : undefined;
      if (wait !== undefined && wait <= MAX_RATE_LIMIT_WAIT_S && attempt < (opts.rateLimitRetries ?? MAX_RATE_LIMIT_RETRIES)) {
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      if (res.status === 401 && headers.authorization) this.#onUnauthorized?.(headers.authorization);
      throw new ApiError(res.status, Number(data?.code ?? 0), String(data?.message ?? `HTTP ${res.status}`), data?.errors, wait);
    }
  }

  /** For requests made elsewhere (upload-send.ts's XMLHttpRequest): a 401 for `token` logs the tab out. */
  reportUnauthorized(token: string) {
    this.#onUnauthorized?.(token);
  }

  get<T = any>(path: string, query?: Record<string, string | number | undefined>) {
    return this.request<T>('GET', path, undefined, query);
  }
  /** A GET whose answer is text, not JSON (GET /invites/{code}/target-users answers a CSV). */
  getText(path: string) {
    return this.request<string>('GET', path, undefined, undefined, { text: true });
  }
  /** `body` may be a FormData (files), sent as multipart. */
  post<T = any>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

export const rest = new RestClient();

/** Message id from a time, for pagination, and time from an id (Discord epoch). */
export const DISCORD_EPOCH = 1420070400000;
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
