/**
 * Discord's Components V2: the layout a message takes when it carries the IS_COMPONENTS_V2 flag (`1 << 15`),
 * in place of `content`, `embeds`, stickers and a poll (https://discord.com/developers/docs/components/reference).
 *
 * - Top level: action rows (1), sections (9), text displays (10), media galleries (12), files (13), separators
 *   (14) and containers (17). A container holds the same but containers; a section holds 1–3 text displays and
 *   one accessory, a button or a thumbnail (11, found nowhere else).
 * - At most 40 components in all, nested ones counted, and 4,000 characters of text across the text displays.
 * - Media are `{url}`: http(s) or `attachment://<filename>` naming a file of the message; a file component takes
 *   only the latter. The rest of Discord's unfurled media item (proxy_url, size, type, attachment_id) is added
 *   when the message is rendered (shapes/components-media.ts), since attachment URLs are signed per render.
 * - ids are unique in the message and numbered depth-first where the sender left them out; custom_ids are
 *   unique. Rows keep the legacy rules (components.ts). For senders that are not applications, interactive
 *   components go, as for legacy rows: a row's, and a section's button accessory (the section then becomes its
 *   text displays).
 *
 * Errors are 50035 with Discord's keys where Discord documents one; the shape of the rest is Accord's choice.
 */
import { formError } from '../../protocol/errors.ts';
import { attachmentIdOfPath } from '../../media/attachments.ts';
import { IS_COMPONENTS_V2 } from '../../shapes/components-media.ts';
import { ATTACHMENT_SCHEME, attachmentReference } from '../../shapes/embed-files.ts';
import type { AttachmentRecord } from '../../store/types.ts';
import {
  Checker, ComponentType, MESSAGE_CHILD_TYPES, UNSET_ID, asSchema, checkButton, checkComponents, checkMessageChild, checkRow, choices, isInteractive,
  type ButtonComponent, type Issue, type MessageActionRow, type Path,
} from './components.ts';

export { IS_COMPONENTS_V2 };

export const V2_LIMITS = { total: 40, text: 4000, sectionTexts: 3, galleryItems: 10, description: 1024, url: 2048 } as const;

export interface MediaItem {
  url: string;
}
export interface TextDisplay {
  type: 10;
  id: number;
  content: string;
}
export interface Thumbnail {
  type: 11;
  id: number;
  media: MediaItem;
  description?: string | null;
  spoiler?: boolean;
}
export interface Section {
  type: 9;
  id: number;
  components: TextDisplay[];
  accessory: ButtonComponent | Thumbnail;
}
export interface GalleryItem {
  media: MediaItem;
  description?: string | null;
  spoiler?: boolean;
}
export interface MediaGallery {
  type: 12;
  id: number;
  items: GalleryItem[];
}
export interface FileComponent {
  type: 13;
  id: number;
  file: MediaItem;
  spoiler?: boolean;
}
export interface Separator {
  type: 14;
  id: number;
  divider?: boolean;
  spacing?: number;
}
export interface Container {
  type: 17;
  id: number;
  components: ContainerChild[];
  accent_color?: number | null;
  spoiler?: boolean;
}
export type ContainerChild = MessageActionRow | Section | TextDisplay | MediaGallery | FileComponent | Separator;
export type V2Component = ContainerChild | Container;

const TOP_LEVEL = [ComponentType.ACTION_ROW, ComponentType.SECTION, ComponentType.TEXT_DISPLAY, ComponentType.MEDIA_GALLERY, ComponentType.FILE, ComponentType.SEPARATOR, ComponentType.CONTAINER];
const IN_CONTAINER = TOP_LEVEL.filter((t) => t !== ComponentType.CONTAINER);
const ACCESSORY = [ComponentType.BUTTON, ComponentType.THUMBNAIL];

/** `{url}`: http(s) or attachment://, or attachment:// only (`attachmentsOnly`, a file component). */
function media(c: Checker, obj: Record<string, unknown>, key: string, path: Path, attachmentsOnly: boolean): MediaItem | undefined {
  const at = [...path, key];
  if (obj[key] === undefined || obj[key] === null) {
    c.fail(at, 'BASE_TYPE_REQUIRED', 'This field is required');
    return undefined;
  }
  const raw = c.object(obj[key], at);
  if (!raw) return undefined;
  const sent = c.string(raw, 'url', at, { min: 1, max: V2_LIMITS.url, required: true });
  if (sent === undefined) return undefined;
  // Schemes are case-insensitive; the stored reference is matched by its lower-case prefix.
  const url = sent.slice(0, ATTACHMENT_SCHEME.length).toLowerCase() === ATTACHMENT_SCHEME ? ATTACHMENT_SCHEME + sent.slice(ATTACHMENT_SCHEME.length) : sent;
  let scheme = '';
  try {
    scheme = new URL(url).protocol.slice(0, -1);
  } catch {
    c.fail([...at, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
    return undefined;
  }
  const allowed = attachmentsOnly ? ['attachment'] : ['http', 'https', 'attachment'];
  if (!allowed.includes(scheme)) {
    c.fail([...at, 'url'], 'URL_TYPE_INVALID_SCHEME', `Scheme "${scheme}" is not supported. Scheme must be one of ${choices(allowed)}.`);
    return undefined;
  }
  return { url };
}

function description(c: Checker, obj: Record<string, unknown>, path: Path): string | null | undefined {
  if (obj.description === null) return null;
  return c.string(obj, 'description', path, { max: V2_LIMITS.description });
}

function textDisplay(c: Checker, obj: Record<string, unknown>, path: Path): TextDisplay | undefined {
  const id = c.componentId(obj, path);
  const content = c.string(obj, 'content', path, { min: 1, max: V2_LIMITS.text, required: true });
  return content === undefined ? undefined : { type: ComponentType.TEXT_DISPLAY, id, content };
}

function thumbnail(c: Checker, obj: Record<string, unknown>, path: Path): Thumbnail | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const item = media(c, obj, 'media', path, false);
  const alt = description(c, obj, path);
  const spoiler = c.bool(obj, 'spoiler', path);
  if (c.issues.length > before || !item) return undefined;
  return { type: ComponentType.THUMBNAIL, id, media: item, ...(alt !== undefined ? { description: alt } : {}), ...(spoiler !== undefined ? { spoiler } : {}) };
}

/** A list of children of `allowed` types, `min`–`max` of them. */
function children<T>(
  c: Checker, obj: Record<string, unknown>, key: string, path: Path, allowed: readonly number[], range: { min: number; max?: number },
  child: (obj: Record<string, unknown>, type: number, path: Path) => T | undefined,
): T[] {
  const list = c.array(obj, key, path, true);
  if (!list) return [];
  const at = [...path, key];
  if (list.length < range.min || (range.max !== undefined && list.length > range.max)) {
    c.fail(at, 'BASE_TYPE_BAD_LENGTH', `Must be between ${range.min} and ${range.max ?? V2_LIMITS.total} in length.`);
    return [];
  }
  const out: T[] = [];
  list.forEach((raw, i) => {
    const childAt = [...at, i];
    const o = c.object(raw, childAt);
    if (!o) return;
    const type = c.type(o, childAt, allowed);
    if (type === undefined) return;
    const made = child(o, type, childAt);
    if (made !== undefined) out.push(made);
  });
  return out;
}

function section(c: Checker, obj: Record<string, unknown>, path: Path): Section | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const texts = children(c, obj, 'components', path, [ComponentType.TEXT_DISPLAY], { min: 1, max: V2_LIMITS.sectionTexts }, (o, _t, at) => textDisplay(c, o, at));
  const at = [...path, 'accessory'];
  let accessory: Section['accessory'] | undefined;
  if (obj.accessory === undefined || obj.accessory === null) c.fail(at, 'BASE_TYPE_REQUIRED', 'This field is required');
  else {
    const raw = c.object(obj.accessory, at);
    const type = raw ? c.type(raw, at, ACCESSORY) : undefined;
    if (raw && type === ComponentType.BUTTON) accessory = checkButton(c, raw, at);
    else if (raw && type === ComponentType.THUMBNAIL) accessory = thumbnail(c, raw, at);
  }
  if (c.issues.length > before || !accessory) return undefined;
  return { type: ComponentType.SECTION, id, components: texts, accessory };
}

function gallery(c: Checker, obj: Record<string, unknown>, path: Path): MediaGallery | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const list = c.array(obj, 'items', path, true);
  if (!list) return undefined;
  if (list.length < 1 || list.length > V2_LIMITS.galleryItems) {
    c.fail([...path, 'items'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${V2_LIMITS.galleryItems} in length.`);
    return undefined;
  }
  const items = list.flatMap((raw, i) => {
    const at = [...path, 'items', i];
    const o = c.object(raw, at);
    if (!o) return [];
    const item = media(c, o, 'media', at, false);
    const alt = description(c, o, at);
    const spoiler = c.bool(o, 'spoiler', at);
    return item ? [{ media: item, ...(alt !== undefined ? { description: alt } : {}), ...(spoiler !== undefined ? { spoiler } : {}) }] : [];
  });
  return c.issues.length > before ? undefined : { type: ComponentType.MEDIA_GALLERY, id, items };
}

function file(c: Checker, obj: Record<string, unknown>, path: Path): FileComponent | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const item = media(c, obj, 'file', path, true);
  const spoiler = c.bool(obj, 'spoiler', path);
  if (c.issues.length > before || !item) return undefined;
  return { type: ComponentType.FILE, id, file: item, ...(spoiler !== undefined ? { spoiler } : {}) };
}

function separator(c: Checker, obj: Record<string, unknown>, path: Path): Separator | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const divider = c.bool(obj, 'divider', path);
  const spacing = obj.spacing === undefined || obj.spacing === null ? undefined : c.choice(obj, 'spacing', path, [1, 2]);
  if (c.issues.length > before) return undefined;
  return { type: ComponentType.SEPARATOR, id, ...(divider !== undefined ? { divider } : {}), ...(spacing !== undefined ? { spacing } : {}) };
}

function container(c: Checker, obj: Record<string, unknown>, path: Path): Container | undefined {
  const before = c.issues.length;
  const id = c.componentId(obj, path);
  const inner = children(c, obj, 'components', path, IN_CONTAINER, { min: 1 }, (o, type, at) => component(c, o, type, at) as ContainerChild | undefined);
  const accent = obj.accent_color === null ? null : c.int(obj, 'accent_color', path, { min: 0, max: 0xffffff });
  const spoiler = c.bool(obj, 'spoiler', path);
  if (c.issues.length > before) return undefined;
  return { type: ComponentType.CONTAINER, id, components: inner, ...(accent !== undefined ? { accent_color: accent } : {}), ...(spoiler !== undefined ? { spoiler } : {}) };
}

/** Each layout type's check. */
const CHECKS: Record<number, (c: Checker, obj: Record<string, unknown>, path: Path) => V2Component | undefined> = {
  [ComponentType.ACTION_ROW]: (c, obj, path) => checkRow(c, obj, path, { childTypes: MESSAGE_CHILD_TYPES, child: checkMessageChild }),
  [ComponentType.SECTION]: section,
  [ComponentType.TEXT_DISPLAY]: textDisplay,
  [ComponentType.MEDIA_GALLERY]: gallery,
  [ComponentType.FILE]: file,
  [ComponentType.SEPARATOR]: separator,
  [ComponentType.CONTAINER]: container,
};

function component(c: Checker, obj: Record<string, unknown>, type: number, path: Path): V2Component | undefined {
  return CHECKS[type]?.(c, obj, path);
}

/** Every component of the tree, depth first (a parent before its children), with where it sits. */
function* walk(list: readonly V2Component[] | readonly unknown[], path: Path): Generator<{ node: Record<string, unknown>; path: Path }> {
  for (const [i, raw] of list.entries()) {
    const node = raw as Record<string, unknown>;
    const at = [...path, i];
    yield { node, path: at };
    if (Array.isArray(node.components)) yield* walk(node.components, [...at, 'components']);
    if (node.accessory && typeof node.accessory === 'object') yield { node: node.accessory as Record<string, unknown>, path: [...at, 'accessory'] };
  }
}

/** Totals, unique ids and custom_ids over the whole tree. */
function checkTree(c: Checker, tree: readonly V2Component[], path: Path): void {
  let total = 0;
  let text = 0;
  const ids = new Set<number>();
  const customIds = new Set<string>();
  for (const { node, path: at } of walk(tree, path)) {
    total++;
    if (node.type === ComponentType.TEXT_DISPLAY) text += (node.content as string).length;
    const id = node.id as number;
    if (id !== UNSET_ID) {
      if (ids.has(id)) c.fail([...at, 'id'], 'COMPONENT_ID_DUPLICATED', 'Component id cannot be duplicated');
      ids.add(id);
    }
    if (typeof node.custom_id === 'string') {
      if (customIds.has(node.custom_id)) c.fail([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
      customIds.add(node.custom_id);
    }
  }
  if (total > V2_LIMITS.total) c.fail(path, 'COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED', `The total number of components must be ${V2_LIMITS.total} or fewer.`);
  if (text > V2_LIMITS.text) c.fail(path, 'COMPONENT_MAX_TEXT_LENGTH_EXCEEDED', `The text of all text displays must be ${V2_LIMITS.text} characters or fewer.`);
}

/** Gives every component left without an id the next free one, depth first (the objects are this module's own). */
function numberTree(tree: readonly V2Component[]): void {
  const nodes = [...walk(tree, [])].map((w) => w.node);
  const taken = new Set(nodes.map((n) => n.id as number));
  let next = 1;
  for (const n of nodes) {
    if (n.id !== UNSET_ID) continue;
    while (taken.has(next)) next++;
    taken.add(next);
    n.id = next;
  }
}

/** The tree without interactive components, for senders that are not applications (see the header). */
export function withoutInteractiveV2<T extends V2Component>(list: readonly T[]): V2Component[] {
  return list.flatMap((node): V2Component[] => {
    if (node.type === ComponentType.ACTION_ROW) {
      const kept = node.components.filter((child) => !isInteractive(child));
      return kept.length ? [{ ...node, components: kept }] : [];
    }
    if (node.type === ComponentType.SECTION && node.accessory.type === ComponentType.BUTTON && isInteractive(node.accessory)) return node.components;
    if (node.type === ComponentType.CONTAINER) {
      const kept = withoutInteractiveV2(node.components) as ContainerChild[];
      return kept.length ? [{ ...node, components: kept }] : [];
    }
    return [node];
  });
}

/** A V2 message's components, checked and numbered; `issues` holds Discord's errors relative to `path`. */
export function validateComponentsV2(input: unknown, path: Path = []): { tree: V2Component[]; issues: Issue[] } {
  const c = new Checker();
  if (!Array.isArray(input)) {
    c.fail(path, 'BASE_TYPE_INVALID', 'Must be a valid array.');
    return { tree: [], issues: c.issues };
  }
  const tree = input.flatMap((raw, i) => {
    const at = [...path, i];
    const obj = c.object(raw, at);
    const type = obj ? c.type(obj, at, TOP_LEVEL) : undefined;
    const made = obj && type !== undefined ? component(c, obj, type, at) : undefined;
    return made ? [made] : [];
  });
  if (!c.issues.length) checkTree(c, tree, path);
  if (c.issues.length) return { tree: [], issues: c.issues };
  numberTree(tree);
  return { tree, issues: [] };
}

/** A V2 message's `components` in a request body, checked and numbered (errors beside the other fields'). */
export const componentsV2Schema = asSchema((input) => {
  const { tree, issues } = validateComponentsV2(input);
  return { rows: tree, issues };
});

/** Checks a V2 message's `components` (50035 under `path`, `components` by default) and returns them normalised. */
export function checkComponentsV2(components: unknown, opts: { allowInteractive: boolean; path?: Path }): V2Component[] {
  if (components === undefined || components === null) return [];
  const { tree, issues } = validateComponentsV2(components, opts.path ?? ['components']);
  if (issues.length) throw formError(issues);
  return opts.allowInteractive ? tree : withoutInteractiveV2(tree);
}

/** A message's `components` checked by what the message is: a Components V2 `layout`, or legacy action rows (components.ts). */
export function checkMessageComponents(components: unknown, opts: { layout: boolean; allowInteractive: boolean }): MessageActionRow[] | V2Component[] {
  return opts.layout ? checkComponentsV2(components, opts) : checkComponents(components, opts);
}

/**
 * Every media item of the tree with where it sits and the file kinds its place shows: a thumbnail's (pictures), a
 * gallery item's (pictures or videos), a file component's (any, `null`).
 */
function* mediaItems(tree: readonly unknown[], path: Path = []): Generator<{ item: MediaItem; path: Path; kinds: readonly string[] | null }> {
  for (const { node, path: at } of walk(tree, path)) {
    const media = node.media as MediaItem | undefined;
    const file = node.file as MediaItem | undefined;
    if (node.type === ComponentType.THUMBNAIL && media) yield { item: media, path: [...at, 'media'], kinds: ['image/'] };
    if (node.type === ComponentType.FILE && file) yield { item: file, path: [...at, 'file'], kinds: null };
    if (node.type === ComponentType.MEDIA_GALLERY && Array.isArray(node.items)) {
      for (const [i, entry] of node.items.entries()) {
        const m = (entry as GalleryItem).media;
        if (m) yield { item: m, path: [...at, 'items', i, 'media'], kinds: ['image/', 'video/'] };
      }
    }
  }
}


/** Every `attachment://` name the tree's media refer to. */
export function attachmentNamesIn(tree: readonly unknown[]): Set<string> {
  const names = new Set<string>();
  for (const { item } of mediaItems(tree)) {
    const name = attachmentReference(item.url);
    if (name !== null) names.add(name);
  }
  return names;
}

/** The fields a V2 message may not carry (Discord: "can only contain components"), as 50035 errors. */
export function checkNoLegacyFields(fields: Record<string, unknown>): void {
  const used = Object.entries(fields).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : typeof v === 'string' ? v !== '' : v !== undefined && v !== null));
  if (used.length) {
    throw formError(used.map(([key]) => ({
      path: [key], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: `The '${key}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2`,
    })));
  }
}

/**
 * A media URL that is this server's own signed URL of one of the message's files (a bot re-sending components it
 * fetched, as discord.js's `message.edit({ components: message.components })` does) is made an `attachment://`
 * reference again, so it does not expire with its signature. Changes the tree in place (validation's own objects).
 */
export function ownFileReferences(tree: readonly unknown[], attachments: readonly AttachmentRecord[]): void {
  if (!attachments.length) return;
  const byId = new Map(attachments.map((a) => [a.id, a] as const));
  for (const { item } of mediaItems(tree)) {
    if (attachmentReference(item.url) !== null) continue;
    let path: string;
    try {
      path = new URL(item.url).pathname;
    } catch {
      continue;
    }
    const id = attachmentIdOfPath(path);
    const file = id === undefined ? undefined : byId.get(id);
    if (file) item.url = ATTACHMENT_SCHEME + file.filename;
  }
}

/**
 * Every `attachment://` of the tree must name a file of the message, and of a kind its place shows: a picture
 * for a thumbnail, a picture or video in a gallery (Discord: "Thumbnails currently only support images"), any
 * file in a file component. 50035 under `components` otherwise.
 */
export function checkComponentFiles(tree: readonly unknown[], attachments: readonly AttachmentRecord[]): void {
  const byName = new Map(attachments.map((a) => [a.filename, a] as const));
  const issues: Issue[] = [];
  for (const { item, path, kinds } of mediaItems(tree, ['components'])) {
    const name = attachmentReference(item.url);
    if (name === null) continue;
    const file = byName.get(name);
    if (!file) issues.push({ path: [...path, 'url'], code: 'UNFURLED_MEDIA_ITEM_ATTACHMENT_NOT_FOUND', message: `No file named "${name}" is attached to the message.` });
    else if (kinds && !kinds.some((k) => file.contentType.startsWith(k))) {
      issues.push({ path: [...path, 'url'], code: 'UNFURLED_MEDIA_ITEM_INVALID_CONTENT_TYPE', message: `This component shows only ${kinds.map((k) => k.slice(0, -1)).join(' or ')} files.` });
    }
  }
  if (issues.length) throw formError(issues);
}
