/**
 * The web client's markdown parser (web/src/markdown-parse.ts, Discord's simple-markdown rules) and code
 * highlighter (web/src/highlight.ts), in Node: the tree each Discord construct gives, and that hostile input
 * stays text. The browser side (rendering, the leaving dialog, lazy loading) is test/browser/web-markdown.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { GRAMMAR_NAMES, grammarFor } from '../../web/src/highlight-languages.ts';
import { highlight, scopeClass } from '../../web/src/highlight.ts';
import { parseMarkdown, safeUrl, type MdNode } from '../../web/src/markdown-parse.ts';

const text = (content: string): MdNode => ({ type: 'text', content });
const br: MdNode = { type: 'br' };
/** Nodes without the key order simple-markdown happens to produce, for deepEqual. */
const parse = (s: string) => JSON.parse(JSON.stringify(parseMarkdown(s))) as MdNode[];

describe('markdown parser (Discord rules)', () => {
  it('keeps the inline styles: bold, italic, underline, strike, spoiler, code, escapes', () => {
    assert.deepEqual(parse('**b** *i* _i_ __u__ ~~s~~ ||x|| `c` \\*not\\*'), [
      { type: 'strong', content: [text('b')] },
      text(' '),
      { type: 'em', content: [text('i')] },
      text(' '),
      { type: 'em', content: [text('i')] },
      text(' '),
      { type: 'u', content: [text('u')] },
      text(' '),
      { type: 'del', content: [text('s')] },
      text(' '),
      { type: 'spoiler', content: [text('x')] },
      text(' '),
      { type: 'inlineCode', content: 'c' },
      text(' *not*'),
    ]);
    // Discord's precedence: ***x*** is bold italic, ___x___ underlined italic.
    assert.deepEqual(parse('***x***'), [{ type: 'em', content: [{ type: 'strong', content: [text('x')] }] }]);
    assert.deepEqual(parse('___x___'), [{ type: 'em', content: [{ type: 'u', content: [text('x')] }] }]);
    assert.deepEqual(parse('snake_case_name'), [text('snake_case_name')]);
  });

  it('headings: #, ## and ### with a space, at the start of a line only', () => {
    assert.deepEqual(parse('# One\n## Two **b**\n### Three'), [
      { type: 'heading', level: 1, content: [text('One')] },
      { type: 'heading', level: 2, content: [text('Two '), { type: 'strong', content: [text('b')] }] },
      { type: 'heading', level: 3, content: [text('Three')] },
    ]);
    assert.deepEqual(parse('#### four'), [text('#### four')]);
    assert.deepEqual(parse('#tag'), [text('#tag')]);
    assert.deepEqual(parse('mid # line'), [text('mid # line')]);
    assert.deepEqual(parse('a\n# b'), [text('a'), { type: 'heading', level: 1, content: [text('b')] }]);
    // An empty line before a block stays.
    assert.deepEqual(parse('a\n\n# b'), [text('a'), br, br, { type: 'heading', level: 1, content: [text('b')] }]);
    assert.deepEqual(parse('**# not**'), [{ type: 'strong', content: [text('# not')] }]);
    // No setext headings, no rules, no tables, no images in Discord.
    assert.deepEqual(parse('Title\n==='), [text('Title'), br, text('===')]);
    assert.deepEqual(parse('---'), [text('---')]);
  });

  it('subtext: -# at the start of a line', () => {
    assert.deepEqual(parse('-# small\nbig'), [{ type: 'subtext', content: [text('small')] }, text('big')]);
    assert.deepEqual(parse('a -# b'), [text('a -# b')]);
  });

  it('lists: - and * bullets, 1. numbers with their start, nesting by indentation, ended by any other line', () => {
    assert.deepEqual(parse('- a\n* b\n  - c\n    - d\nafter'), [
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [
          [text('a')],
          [text('b'), { type: 'list', ordered: false, start: 1, items: [[text('c'), { type: 'list', ordered: false, start: 1, items: [[text('d')]] }]] }],
        ],
      },
      text('after'),
    ]);
    assert.deepEqual(parse('3. three\n4. **four**'), [
      { type: 'list', ordered: true, start: 3, items: [[text('three')], [{ type: 'strong', content: [text('four')] }]] },
    ]);
    assert.deepEqual(parse('text\n1. one'), [text('text'), { type: 'list', ordered: true, start: 1, items: [[text('one')]] }]);
    assert.deepEqual(parse('2 - 1 = 1'), [text('2 - 1 = 1')]);
    assert.deepEqual(parse('+ plus'), [text('+ plus')]);
    assert.deepEqual(parse('-no space'), [text('-no space')]);
  });

  it('quotes: > per line, >>> to the end; no nesting', () => {
    assert.deepEqual(parse('> a\n> b\nc'), [{ type: 'blockQuote', content: [text('a'), br, text('b')] }, text('c')]);
    assert.deepEqual(parse('>>> a\nb'), [{ type: 'blockQuote', content: [text('a'), br, text('b')] }]);
    assert.deepEqual(parse('> > x'), [{ type: 'blockQuote', content: [text('> x')] }]);
    assert.deepEqual(parse('>no space'), [text('>no space')]);
  });

  it('code blocks keep their language and their text verbatim', () => {
    assert.deepEqual(parse('```js\nconst a = 1;```'), [{ type: 'codeBlock', lang: 'js', content: 'const a = 1;' }]);
    assert.deepEqual(parse('```\n**not bold** <b>\n```\nafter'), [{ type: 'codeBlock', lang: '', content: '**not bold** <b>' }, text('after')]);
  });

  it('links: bare and <bracketed> http(s) URLs, masked links only to http(s)', () => {
    assert.deepEqual(parse('see https://example.com/x. and <https://a.example/>'), [
      text('see '),
      { type: 'url', target: 'https://example.com/x' },
      text('. and '),
      { type: 'url', target: 'https://a.example/' },
    ]);
    assert.deepEqual(parse('(https://en.wikipedia.org/wiki/Rust_(language)).'), [
      text('('),
      { type: 'url', target: 'https://en.wikipedia.org/wiki/Rust_(language)' },
      text(').'),
    ]);
    assert.deepEqual(parse('[the **docs**](https://example.com/d "Docs")'), [
      { type: 'link', target: 'https://example.com/d', title: 'Docs', content: [text('the '), { type: 'strong', content: [text('docs')] }] },
    ]);
    assert.deepEqual(parse('[x](<https://example.com/no-embed>)'), [{ type: 'link', target: 'https://example.com/no-embed', title: null, content: [text('x')] }]);
    // A URL as link text stays text: no link inside a link.
    assert.deepEqual(parse('[https://a.example](https://b.example)'), [{ type: 'link', target: 'https://b.example/', title: null, content: [text('https://a.example')] }]);
    for (const hostile of ['[click](javascript:alert(1))', '[x](JaVaScRiPt:alert(1))', '[x](data:text/html,<script>alert(1)</script>)', '[x](vbscript:msgbox)', '[x](//evil.example)', '<javascript:alert(1)>']) {
      const tree = parse(hostile);
      assert.ok(!JSON.stringify(tree).includes('"link"') && !JSON.stringify(tree).includes('"url"'), `${hostile} → ${JSON.stringify(tree)}`);
      assert.equal(tree.map((n) => (n.type === 'text' ? n.content : '')).join(''), hostile.replace('\\', ''));
    }
  });

  it('markup-looking text stays text', () => {
    for (const s of ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '&lt;b&gt; &amp;']) assert.deepEqual(parse(s), [text(s)]);
  });

  it('mentions, custom emoji and timestamps', () => {
    assert.deepEqual(parse('<@1> <@!2> <@&3> <#4> <:blob:5> <a:dance:6> <t:1618953630:R> <t:1618953630>'), [
      { type: 'user', id: '1' },
      text(' '),
      { type: 'user', id: '2' },
      text(' '),
      { type: 'role', id: '3' },
      text(' '),
      { type: 'channel', id: '4' },
      text(' '),
      { type: 'emoji', animated: false, name: 'blob', id: '5' },
      text(' '),
      { type: 'emoji', animated: true, name: 'dance', id: '6' },
      text(' '),
      { type: 'timestamp', unix: 1618953630, style: 'R' },
      text(' '),
      { type: 'timestamp', unix: 1618953630, style: 'f' },
    ]);
    assert.deepEqual(parse('<t:99999999999999999>'), [text('<t:99999999999999999>')]);
  });

  it('finishes on pathological input (unclosed markers, deep nesting)', () => {
    // '*' × 10000 nested italics until the stack overflowed, before nesting was bounded.
    for (const s of ['*'.repeat(10000), '_a'.repeat(2000), '||'.repeat(1500), '`'.repeat(3000), '> '.repeat(1000), '[('.repeat(1500), '-'.repeat(2000)]) {
      const tree = parseMarkdown(s);
      assert.ok(tree.length > 0);
    }
    const deep = Array.from({ length: 40 }, (_, i) => `${' '.repeat(i * 2)}- level ${i}`).join('\n');
    assert.ok(JSON.stringify(parseMarkdown(deep)).includes('level 39'), 'lists nested past the limit stay as text');
  });

  it('safeUrl accepts http(s) only', () => {
    assert.equal(safeUrl('https://example.com'), 'https://example.com/');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'attachment://x.png', 'nope', 42]) assert.equal(safeUrl(bad), null);
  });
});

describe('code highlighting (highlight.js token tree → React)', () => {
  it('maps language tags and aliases to grammars, and every listed grammar loads', async () => {
    assert.equal(grammarFor('JS')?.name, 'javascript');
    assert.equal(grammarFor('py')?.name, 'python');
    assert.equal(grammarFor('html')?.name, 'xml');
    assert.equal(grammarFor('not-a-language'), null);
    for (const lang of GRAMMAR_NAMES) {
      const mod = await grammarFor(lang)!.load();
      assert.equal(typeof mod.default, 'function', lang);
    }
  });

  it('renders spans with highlight.js class names and leaves code as text', async () => {
    const html = renderToStaticMarkup(createElement('code', null, await highlight('const a = "</code><script>alert(1)</script>"; // hi', grammarFor('js')!)));
    assert.match(html, /<span class="hljs-keyword">const<\/span>/);
    assert.match(html, /<span class="hljs-comment">\/\/ hi<\/span>/);
    assert.ok(html.includes('&lt;/code&gt;&lt;script&gt;'), html);
    assert.ok(!html.includes('<script'), html);
    assert.deepEqual([...html.matchAll(/<(\w+)/g)].map((m) => m[1]).filter((t) => t !== 'span' && t !== 'code'), []);
  });

  it('scope class names follow highlight.js and carry nothing else', () => {
    assert.equal(scopeClass('keyword'), 'hljs-keyword');
    assert.equal(scopeClass('title.function.invoke'), 'hljs-title function_ invoke__');
    assert.equal(scopeClass('language:css'), 'language-css');
    assert.equal(scopeClass('x" onclick="y'), 'hljs-xonclicky');
  });
});
