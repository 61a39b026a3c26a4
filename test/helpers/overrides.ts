/** `target` with some of its members replaced (its own methods still run on it): a store that fails or waits on cue. */
export function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(obj, key) {
      if (key in overrides) return (overrides as Record<string | symbol, unknown>)[key];
      const value = Reflect.get(obj, key, obj);
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
}
