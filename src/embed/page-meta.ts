/**
 * What a page says about itself in its <head>: OpenGraph and Twitter card <meta> tags, <meta name=description>,
 * theme-color, <title> and its oEmbed discovery link (`<link rel="alternate" type="application/json+oembed">`), read with htmlparser2's streaming parser (which copes with broken markup) and
 * nothing after </head> or <body>.
 */

export interface PageMeta {
  /** Meta tags by lower-cased property or name; the first of each wins. */
  meta: Map<string, string>;
  title?: string;
  /** The JSON oEmbed endpoint the page names, as written (resolve against the page's URL). */
  oembedHref?: string;
}

export async function readPageMeta(html: string): Promise<PageMeta> {
  // Loaded with the first page unfurled, not at start: htmlparser2 and its entity tables are ~0.5 MB of heap.
  const { Parser } = await import('htmlparser2');
  const meta = new Map<string, string>();
  let title: string | undefined;
  let inTitle = false;
  let titleText = '';
  let done = false;
  let oembedHref: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (done) return;
        if (name === 'body') done = true;
        else if (name === 'title' && title === undefined) inTitle = true;
        else if (name === 'link' && oembedHref === undefined) {
          const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/);
          if (rel.includes('alternate') && (attrs.type ?? '').trim().toLowerCase() === 'application/json+oembed' && attrs.href) oembedHref = attrs.href.trim();
        } else if (name === 'meta') {
          const key = (attrs.property ?? attrs.name ?? '').trim().toLowerCase();
          if (key && attrs.content !== undefined && !meta.has(key)) meta.set(key, attrs.content.trim());
        }
      },
      ontext(text) {
        if (inTitle) titleText += text;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = titleText.replace(/\s+/g, ' ').trim();
        } else if (name === 'head') done = true;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return { meta, title: title || undefined, oembedHref };
}
