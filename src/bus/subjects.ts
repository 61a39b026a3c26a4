/**
 * NATS subject rules, shared by both buses so a subject the in-memory bus accepts is one NATS accepts too.
 *
 * - A subject is dot-separated, non-empty tokens without whitespace.
 * - A pattern (subscriptions only) may use `*` as a whole token (exactly one token) and `>` as the whole last
 *   token (one or more tokens). `*` and `>` inside a token are rejected rather than treated as literals: NATS
 *   treats them inconsistently across versions, and nothing in Accord needs them.
 * - A durable queue name is a subject made of `[A-Za-z0-9-]` tokens, so it maps one-to-one onto a JetStream
 *   stream name (dots become underscores).
 */

const TOKEN_FORBIDDEN = /[\s*>]/;
/** Non-empty tokens without wildcards or whitespace, joined by single dots. */
const CONCRETE_SUBJECT = /^[^\s*>.]+(?:\.[^\s*>.]+)*$/;
const QUEUE_TOKEN = /^[A-Za-z0-9-]+$/;

export class InvalidSubjectError extends Error {
  constructor(subject: string, why: string) {
    super(`invalid subject ${JSON.stringify(subject)}: ${why}`);
    this.name = 'InvalidSubjectError';
  }
}

/** Throws InvalidSubjectError unless `subject` is a concrete subject (no wildcards): what publish/request take. */
export function assertSubject(subject: string): void {
  // Every publish and request passes here: one regular expression for the valid case, no split.
  if (typeof subject === 'string' && CONCRETE_SUBJECT.test(subject)) return;
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidSubjectError(String(subject), 'empty');
  for (const token of subject.split('.')) {
    if (token.length === 0) throw new InvalidSubjectError(subject, 'empty token');
    if (TOKEN_FORBIDDEN.test(token)) throw new InvalidSubjectError(subject, 'wildcards and whitespace are not allowed here');
  }
}

/** Throws InvalidSubjectError unless `pattern` is a valid subscription pattern. */
export function assertPattern(pattern: string): void {
  if (typeof pattern !== 'string' || pattern.length === 0) throw new InvalidSubjectError(String(pattern), 'empty');
  const tokens = pattern.split('.');
  tokens.forEach((token, i) => {
    if (token.length === 0) throw new InvalidSubjectError(pattern, 'empty token');
    if (token === '*') return;
    if (token === '>') {
      if (i !== tokens.length - 1) throw new InvalidSubjectError(pattern, '`>` must be the last token');
      return;
    }
    if (TOKEN_FORBIDDEN.test(token)) throw new InvalidSubjectError(pattern, 'wildcards must be whole tokens; no whitespace');
  });
}

/** Throws InvalidSubjectError unless `queue` is a valid durable queue name (e.g. `push`, `search.index`). */
export function assertQueueName(queue: string): void {
  if (typeof queue !== 'string' || queue.length === 0) throw new InvalidSubjectError(String(queue), 'empty queue name');
  for (const token of queue.split('.')) {
    if (!QUEUE_TOKEN.test(token)) throw new InvalidSubjectError(queue, 'queue names are dot-separated [A-Za-z0-9-] tokens');
  }
}

/** Whether concrete `subject` matches `pattern` (both assumed valid). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

interface TrieNode<T> {
  children: Map<string, TrieNode<T>>;
  /** Values whose pattern ends at this node. */
  here: Set<T>;
  /** Values whose pattern is this node's path followed by `>`. */
  rest: Set<T>;
}

function node<T>(): TrieNode<T> {
  return { children: new Map(), here: new Set(), rest: new Set() };
}

/**
 * Patterns indexed by token, like NATS's sublist, so matching a subject costs its token count rather than
 * the number of subscriptions (there is one `gateway.user.<id>` subscription per connected user).
 */
export class SubjectIndex<T> {
  private readonly root: TrieNode<T> = node();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(pattern: string, value: T): void {
    let n = this.root;
    const tokens = pattern.split('.');
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === '>' && i === tokens.length - 1) {
        if (!n.rest.has(value)) this.count++;
        n.rest.add(value);
        return;
      }
      let next = n.children.get(t);
      if (!next) {
        next = node();
        n.children.set(t, next);
      }
      n = next;
    }
    if (!n.here.has(value)) this.count++;
    n.here.add(value);
  }

  remove(pattern: string, value: T): void {
    const tokens = pattern.split('.');
    const path: Array<[TrieNode<T>, string]> = [];
    let n = this.root;
    let last = tokens.length;
    if (tokens[last - 1] === '>') last--;
    for (let i = 0; i < last; i++) {
      const next = n.children.get(tokens[i]);
      if (!next) return;
      path.push([n, tokens[i]]);
      n = next;
    }
    const set = last < tokens.length ? n.rest : n.here;
    if (set.delete(value)) this.count--;
    // Prune empty branches so churn (users connecting and leaving) does not leak nodes.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, token] = path[i];
      const child = parent.children.get(token)!;
      if (child.here.size || child.rest.size || child.children.size) break;
      parent.children.delete(token);
    }
  }

  /** Every value whose pattern matches the concrete `subject`, each once. */
  match(subject: string): T[] {
    const out = new Set<T>();
    const tokens = subject.split('.');
    const walk = (n: TrieNode<T>, i: number): void => {
      if (i === tokens.length) {
        for (const v of n.here) out.add(v);
        return;
      }
      for (const v of n.rest) out.add(v);
      const literal = n.children.get(tokens[i]);
      if (literal) walk(literal, i + 1);
      const star = n.children.get('*');
      if (star) walk(star, i + 1);
    };
    walk(this.root, 0);
    return [...out];
  }
}
