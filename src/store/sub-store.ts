/**
 * A property descriptor for a sub-store of a Store with `reads` in place of its own (the read caches:
 * store/access-cache.ts, store/identity-cache.ts), and every other method of `inner` bound to it (the SQL stores keep
 * private fields, which a method called on another object cannot reach). No Proxy on the hot path of other reads.
 */
export function subStore<T extends object>(inner: T, reads: Partial<T>): PropertyDescriptor {
  const out = Object.create(inner) as Record<string, unknown>;
  for (let proto = Object.getPrototypeOf(inner); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name === 'constructor' || Object.hasOwn(out, name)) continue;
      if (typeof d.value === 'function') out[name] = d.value.bind(inner);
      else if (d.get || d.set) Object.defineProperty(out, name, { get: d.get?.bind(inner), set: d.set?.bind(inner), configurable: true });
    }
  }
  // Configurable, as a plain property would be: a Proxy over the store (tests use one) may then answer otherwise.
  return { value: Object.assign(out, reads), enumerable: true, configurable: true };
}
