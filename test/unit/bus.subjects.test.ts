import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertPattern, assertQueueName, assertSubject, InvalidSubjectError, SubjectIndex, subjectMatches } from '../../src/bus/subjects.ts';

describe('subjectMatches', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.b.d', false],
    ['a.*', 'a', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['>', 'a', true],
    ['>', 'a.b', true],
    ['*.>', 'a', false],
    ['*.>', 'a.b', true],
    ['gateway.guild.*', 'gateway.guild.123', true],
    ['gateway.guild.*', 'gateway.user.123', false],
  ];
  for (const [pattern, subject, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${subject}`, () => {
      assert.equal(subjectMatches(pattern, subject), expected);
    });
  }
});

describe('SubjectIndex', () => {
  it('finds the same values as subjectMatches, each once', () => {
    const patterns = ['a.b.c', 'a.*.c', 'a.>', '>', '*.b.*', 'a.b', 'x.y', '*.*.*', 'a.b.>'];
    const index = new SubjectIndex<string>();
    for (const p of patterns) index.add(p, p);
    index.add('a.b.c', 'a.b.c'); // adding twice keeps one
    assert.equal(index.size, patterns.length);
    for (const subject of ['a.b.c', 'a.b', 'a', 'x.y', 'q.b.z', 'a.b.c.d', 'z']) {
      const expected = patterns.filter((p) => subjectMatches(p, subject)).sort();
      assert.deepEqual(index.match(subject).sort(), expected, subject);
    }
  });

  it('removes values and prunes empty branches', () => {
    const index = new SubjectIndex<number>();
    index.add('a.b.c', 1);
    index.add('a.b.c', 2);
    index.add('a.>', 3);
    index.remove('a.b.c', 1);
    assert.deepEqual(index.match('a.b.c').sort(), [2, 3]);
    index.remove('a.b.c', 2);
    index.remove('a.>', 3);
    index.remove('never.added', 4);
    assert.equal(index.size, 0);
    assert.deepEqual(index.match('a.b.c'), []);
    assert.equal((index as unknown as { root: { children: Map<string, unknown> } }).root.children.size, 0);
  });
});

describe('subject validation', () => {
  it('accepts concrete subjects and rejects wildcards, empty tokens and whitespace', () => {
    assertSubject('gateway.guild.123');
    for (const bad of ['', 'a..b', '.a', 'a.', 'a.*', 'a.>', 'a b', 'a.b*']) {
      assert.throws(() => assertSubject(bad), InvalidSubjectError, bad);
    }
  });

  it('accepts whole-token wildcards in patterns, `>` only last', () => {
    for (const ok of ['a.*', '*', '>', 'a.*.>', 'a.b']) assertPattern(ok);
    for (const bad of ['', 'a.>.b', 'a.b*', 'a.>x', 'a..b', 'a\tb']) {
      assert.throws(() => assertPattern(bad), InvalidSubjectError, bad);
    }
  });

  it('accepts queue names that map one-to-one onto stream names', () => {
    for (const ok of ['push', 'search.index', 'embed.dead', 'a-b.c-9']) assertQueueName(ok);
    for (const bad of ['', 'a_b', 'a.*', 'a b', 'a..b', 'a/b']) {
      assert.throws(() => assertQueueName(bad), InvalidSubjectError, bad);
    }
  });
});
