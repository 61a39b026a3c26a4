/** Auto moderation's matching (src/api/auto-moderation/matching.ts): Discord's keyword wildcards, allow lists, RE2 patterns, mentions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePattern, countMentions, KeywordSet, TextTrigger } from '../../src/api/auto-moderation/matching.ts';

const first = (keywords: string[], text: string) => [...new KeywordSet(keywords).matches(text)][0] ?? null;

describe('auto moderation matching', () => {
  it('follows Discord\'s table of keyword matching strategies, case-insensitively', () => {
    // Prefix, suffix, anywhere and whole word, with Discord's own examples.
    for (const [keyword, text, matched] of [
      ['cat*', 'catch', 'catch'], ['cat*', 'Catapult', 'Catapult'], ['cat*', 'CAttLE', 'CAttLE'], ['the mat*', 'the matrix', 'the matrix'],
      ['*cat', 'wildcat', 'wildcat'], ['*cat', 'copyCat', 'copyCat'], ['*the mat', 'breathe mat', 'breathe mat'],
      ['*cat*', 'location', 'location'], ['*cat*', 'eduCation', 'eduCation'], ['*the mat*', 'breathe matter', 'breathe matter'],
      ['cat', 'a cat.', 'cat'], ['the mat', 'on the mat', 'the mat'],
    ] as const) {
      assert.equal(first([keyword], text)?.content, matched, `${keyword} in ${text}`);
    }
    for (const [keyword, text] of [['cat*', 'wildcat'], ['*cat', 'catch'], ['cat', 'cats'], ['cat', 'concatenate'], ['the mat', 'the matrix']] as const) {
      assert.equal(first([keyword], text), null, `${keyword} must not match ${text}`);
    }
  });

  it('takes keywords with any punctuation literally', () => {
    for (const keyword of ['spoilers-free', 'a/b', 'c++', '[x]', "it's", '$5', 'a.b', '(hi)', 'x|y', 'back\\slash']) {
      assert.equal(first([keyword], `say ${keyword} now`)?.content, keyword, keyword);
    }
    assert.equal(first(['a.b'], 'axb'), null, 'a dot is a dot');
  });

  it('lets an allow-listed word through, with wildcards, and reports the first word that is not', () => {
    const t = new TextTrigger(['*ana*'], [], ['banana', 'ban*']);
    assert.equal(t.match('a banana split'), null);
    assert.equal(t.match('bandana'), null, 'ban* covers bandana');
    assert.deepEqual(t.match('banana and canal nana'), { keyword: '*ana*', content: 'canal' });
  });

  it('runs regex patterns on RE2: case-sensitive unless (?i), refusing what Rust refuses', () => {
    const t = new TextTrigger([], ['b[a4]t+', '(?i)dog'], []);
    assert.deepEqual(t.match('a b4ttt'), { keyword: 'b[a4]t+', content: 'b4ttt' });
    assert.equal(t.match('a BAT'), null);
    assert.deepEqual(t.match('HotDOG'), { keyword: '(?i)dog', content: 'DOG' });
    assert.throws(() => compilePattern('(a)\\1'));
    assert.throws(() => compilePattern('(?=a)'));
    // Nested quantifiers that would stall a backtracking engine (2^5000 paths) finish: RE2 matches in linear time.
    assert.equal(new TextTrigger([], ['(a+)+$'], []).match(`${'a'.repeat(5000)}!`), null);
  });

  it('counts unique user and role mentions', () => {
    assert.equal(countMentions('<@1> <@!1> <@&1> <@2> <#3> @everyone'), 3);
    assert.equal(countMentions('no mentions'), 0);
  });
});
