/**
 * Which code-block languages get syntax highlighting, and where each grammar lives. This map is all the first
 * screen carries: highlight.js and a grammar load (import()) only when a block in that language is rendered,
 * each grammar in its own chunk. A language not listed (or ```foo) is shown as plain code without loading
 * anything.
 */
type Grammar = { default: unknown };
type Loader = () => Promise<Grammar>;

const GRAMMARS: Record<string, [Loader, ...string[]]> = {
  javascript: [() => import('highlight.js/lib/languages/javascript'), 'js', 'jsx', 'mjs', 'cjs', 'node'],
  typescript: [() => import('highlight.js/lib/languages/typescript'), 'ts', 'tsx', 'mts', 'cts'],
  python: [() => import('highlight.js/lib/languages/python'), 'py', 'py3', 'python3', 'gyp'],
  json: [() => import('highlight.js/lib/languages/json'), 'jsonc', 'json5'],
  bash: [() => import('highlight.js/lib/languages/bash'), 'sh', 'zsh'],
  shell: [() => import('highlight.js/lib/languages/shell'), 'console', 'shellsession'],
  css: [() => import('highlight.js/lib/languages/css')],
  scss: [() => import('highlight.js/lib/languages/scss')],
  less: [() => import('highlight.js/lib/languages/less')],
  xml: [() => import('highlight.js/lib/languages/xml'), 'html', 'xhtml', 'svg', 'rss', 'atom', 'xsl', 'plist'],
  java: [() => import('highlight.js/lib/languages/java'), 'jsp'],
  c: [() => import('highlight.js/lib/languages/c'), 'h'],
  cpp: [() => import('highlight.js/lib/languages/cpp'), 'c++', 'cc', 'cxx', 'hpp', 'hh', 'hxx'],
  csharp: [() => import('highlight.js/lib/languages/csharp'), 'cs', 'c#'],
  go: [() => import('highlight.js/lib/languages/go'), 'golang'],
  rust: [() => import('highlight.js/lib/languages/rust'), 'rs'],
  ruby: [() => import('highlight.js/lib/languages/ruby'), 'rb', 'gemspec'],
  php: [() => import('highlight.js/lib/languages/php')],
  sql: [() => import('highlight.js/lib/languages/sql')],
  yaml: [() => import('highlight.js/lib/languages/yaml'), 'yml'],
  ini: [() => import('highlight.js/lib/languages/ini'), 'toml'],
  diff: [() => import('highlight.js/lib/languages/diff'), 'patch'],
  markdown: [() => import('highlight.js/lib/languages/markdown'), 'md'],
  kotlin: [() => import('highlight.js/lib/languages/kotlin'), 'kt', 'kts'],
  swift: [() => import('highlight.js/lib/languages/swift')],
  lua: [() => import('highlight.js/lib/languages/lua')],
  dockerfile: [() => import('highlight.js/lib/languages/dockerfile'), 'docker'],
  makefile: [() => import('highlight.js/lib/languages/makefile'), 'mk', 'make'],
  powershell: [() => import('highlight.js/lib/languages/powershell'), 'ps', 'ps1', 'pwsh'],
  haskell: [() => import('highlight.js/lib/languages/haskell'), 'hs'],
  scala: [() => import('highlight.js/lib/languages/scala')],
  dart: [() => import('highlight.js/lib/languages/dart')],
  r: [() => import('highlight.js/lib/languages/r')],
  perl: [() => import('highlight.js/lib/languages/perl'), 'pl', 'pm'],
  elixir: [() => import('highlight.js/lib/languages/elixir'), 'ex', 'exs'],
  erlang: [() => import('highlight.js/lib/languages/erlang'), 'erl'],
  clojure: [() => import('highlight.js/lib/languages/clojure'), 'clj'],
  fsharp: [() => import('highlight.js/lib/languages/fsharp'), 'fs', 'f#'],
  ocaml: [() => import('highlight.js/lib/languages/ocaml'), 'ml'],
  objectivec: [() => import('highlight.js/lib/languages/objectivec'), 'objc', 'mm'],
  nginx: [() => import('highlight.js/lib/languages/nginx'), 'nginxconf'],
  x86asm: [() => import('highlight.js/lib/languages/x86asm'), 'asm', 'nasm'],
  graphql: [() => import('highlight.js/lib/languages/graphql'), 'gql'],
  protobuf: [() => import('highlight.js/lib/languages/protobuf'), 'proto'],
  latex: [() => import('highlight.js/lib/languages/latex'), 'tex'],
  julia: [() => import('highlight.js/lib/languages/julia'), 'jl'],
  groovy: [() => import('highlight.js/lib/languages/groovy'), 'gradle'],
  nix: [() => import('highlight.js/lib/languages/nix')],
  vim: [() => import('highlight.js/lib/languages/vim'), 'vimscript'],
  glsl: [() => import('highlight.js/lib/languages/glsl')],
  wasm: [() => import('highlight.js/lib/languages/wasm'), 'wat'],
  http: [() => import('highlight.js/lib/languages/http')],
  cmake: [() => import('highlight.js/lib/languages/cmake')],
  vbnet: [() => import('highlight.js/lib/languages/vbnet'), 'vb'],
  lisp: [() => import('highlight.js/lib/languages/lisp')],
  scheme: [() => import('highlight.js/lib/languages/scheme')],
  elm: [() => import('highlight.js/lib/languages/elm')],
  crystal: [() => import('highlight.js/lib/languages/crystal'), 'cr'],
  nim: [() => import('highlight.js/lib/languages/nim')],
  properties: [() => import('highlight.js/lib/languages/properties')],
};

const BY_NAME = new Map<string, { name: string; load: Loader }>();
for (const [name, [load, ...aliases]] of Object.entries(GRAMMARS)) {
  for (const key of [name, ...aliases]) BY_NAME.set(key, { name, load });
}

/** The grammar for a code block's language tag (case-insensitive), or null when it is not highlighted. */
export function grammarFor(lang: string): { name: string; load: Loader } | null {
  return BY_NAME.get(lang.toLowerCase()) ?? null;
}

/** Every grammar name, for the tests that load each one. */
export const GRAMMAR_NAMES = Object.keys(GRAMMARS);
