/**
 * subStore (src/store/sub-store.ts), the wrapper the read caches put around a sub-store: the reads handed to it
 * replace the original's, and every other method, getter and setter still reaches the original object, private
 * fields included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subStore } from '../../src/store/sub-store.ts';

class Base {
  #rows = ['a'];
  list(): string[] {
    return [...this.#rows];
  }
}

class Rows extends Base {
  #limit = 2;
  add(row: string): void {
    if (this.count >= this.#limit) throw new Error('full');
    this.#push(row);
  }
  get count(): number {
    return this.list().length + this.#added.length;
  }
  get limit(): number {
    return this.#limit;
  }
  set limit(n: number) {
    this.#limit = n;
  }
  #added: string[] = [];
  #push(row: string): void {
    this.#added.push(row);
  }
  read(id: string): string {
    return `stored ${id}`;
  }
}

describe('subStore', () => {
  it('replaces the reads it is given and binds every other method, getter and setter to the original', () => {
    const inner = new Rows();
    const wrapped = subStore(inner, { read: (id: string) => `cached ${id}` }).value as Rows;
    assert.equal(wrapped.read('1'), 'cached 1');
    // Methods of the class and of its base class reach their private fields through the original.
    wrapped.add('b');
    assert.deepEqual(wrapped.list(), ['a']);
    assert.equal(wrapped.count, 2, 'a getter reads the original');
    assert.equal(inner.count, 2, 'the write went to the original');
    wrapped.limit = 5;
    assert.equal(inner.limit, 5, 'a setter writes the original');
    assert.equal(wrapped.limit, 5);
    wrapped.add('c');
    assert.equal(inner.count, 3);
  });

  it('is a configurable, enumerable property, as a plain one would be', () => {
    const d = subStore(new Rows(), {});
    assert.deepEqual([d.enumerable, d.configurable], [true, true]);
  });
});
