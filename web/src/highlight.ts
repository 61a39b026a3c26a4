/**
 * Syntax highlighting for code blocks, loaded on demand (markdown.tsx imports this module with import() only
 * when a block in a known language is rendered; grammars come from highlight-languages.ts).
 *
 * highlight.js's own output is an HTML string; we never use it. We walk the token tree its emitter builds
 * (strings and nodes with a `scope`) and turn it into React elements: code text stays text nodes, and the only
 * markup is <span> with class names derived from highlight.js's scope names (`keyword` → `hljs-keyword`),
 * filtered to [A-Za-z0-9_-].
 */
import hljs from 'highlight.js/lib/core';
import type { LanguageFn } from 'highlight.js';
import { createElement, Fragment, type ReactNode } from 'react';

interface TokenNode {
  scope?: string;
  children: Array<TokenNode | string>;
}

export interface GrammarSource {
  name: string;
  load(): Promise<{ default: unknown }>;
}

const loading = new Map<string, Promise<void>>();

function register(grammar: GrammarSource): Promise<void> {
  let p = loading.get(grammar.name);
  if (!p) {
    p = grammar.load().then((mod) => hljs.registerLanguage(grammar.name, mod.default as LanguageFn));
    // A failed chunk load (offline) may be retried by the next block.
    p.catch(() => loading.delete(grammar.name));
    loading.set(grammar.name, p);
  }
  return p;
}

/** highlight.js's class names for a scope: `title.function` → `hljs-title function_`; `language:css` → `language-css`. */
export function scopeClass(scope: string): string {
  const classes = scope.startsWith('language:')
    ? [`language-${scope.slice('language:'.length)}`]
    : scope.split('.').map((piece, i) => (i === 0 ? `hljs-${piece}` : `${piece}${'_'.repeat(i)}`));
  return classes.map((c) => c.replace(/[^A-Za-z0-9_-]/g, '')).join(' ');
}

function toReact(node: TokenNode | string, key: number): ReactNode {
  if (typeof node === 'string') return node;
  const children = node.children.map(toReact);
  return node.scope ? createElement('span', { key, className: scopeClass(node.scope) }, ...children) : createElement(Fragment, { key }, ...children);
}

/** The code as highlighted React nodes, or null when highlight.js produced no token tree we recognise. */
export async function highlight(code: string, grammar: GrammarSource): Promise<ReactNode | null> {
  await register(grammar);
  const result = hljs.highlight(code, { language: grammar.name, ignoreIllegals: true });
  const root = (result._emitter as unknown as { root?: TokenNode }).root;
  if (!root || !Array.isArray(root.children)) return null;
  return toReact(root, 0);
}
