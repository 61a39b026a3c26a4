/**
 * What Server Settings' Emoji and Stickers tabs share (Discord calls both "expressions"), and an application's
 * Emojis section in My Applications: the guild's (or application's) list with its
 * load error, the upload form (file, name, busy, error), renaming in place (Enter or leaving the box commits) and
 * deleting, each followed by a reload of the list. Each tab brings its own REST calls, checks and labels.
 */
import { useEffect, useMemo, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { canManageAllEmoji, canUseEmojiManager } from '../guild-emoji.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';

export interface Expression {
  id: string;
  name: string;
  user?: { id: string; username: string; global_name?: string | null };
}

/** What a tab brings: its REST calls, its upload check and how long a name may be. */
export interface ExpressionKind<T extends Expression> {
  nameMaxLength: number;
  list(): Promise<T[]>;
  /** Why the picked file and name cannot be uploaded, or '' when they can. */
  check(file: File, name: string): string;
  create(file: File, name: string): Promise<unknown>;
  rename(item: T, name: string): Promise<unknown>;
  remove(item: T): Promise<unknown>;
  /** The name filled in from a picked file while the name box is empty. */
  nameFrom(fileName: string): string;
  /** Everyone shown the list may rename and delete every item (an application's emoji, for its owner). */
  editsAll?: boolean;
}

/** The settings tabs, with this expression tab for those who may upload or manage expressions. */
export function useExpressionTab<T extends string, K extends string>(
  guildId: string,
  tabs: ReadonlyArray<[T, string]>,
  id: K,
  label: string,
): Array<[T | K, string]> {
  const allowed = useStore((s) => canUseEmojiManager(s, guildId));
  return useMemo(() => (allowed ? [...tabs, [id, label]] : [...tabs]), [allowed, tabs, id, label]);
}

export type ExpressionManager<T extends Expression> = ReturnType<typeof useExpressionManager<T>>;

/** `scope`: the guild whose expressions these are, or the application whose emoji (`kind.editsAll`). */
export function useExpressionManager<T extends Expression>(scope: string, kind: ExpressionKind<T>) {
  const manageAll = useStore((s) => kind.editsAll === true || canManageAllEmoji(s, scope));
  const meId = useStore((s) => s.me?.id);
  const [items, setItems] = useState<T[] | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<Record<string, string>>({});
  const fileInput = useRef<HTMLInputElement>(null);

  const load = async () => {
    try {
      setItems(await kind.list());
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    void load();
  }, [scope]);

  /** Runs a change, then reloads the list; its error shows above the list. */
  const change = async (run: () => Promise<unknown>) => {
    setError('');
    try {
      await run();
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const pickFile = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.currentTarget.files?.[0] ?? null;
    setFile(f);
    if (f && !name) setName(kind.nameFrom(f.name));
  };

  const upload = async (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (!file) return;
    setError('');
    const problem = kind.check(file, name);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      await change(async () => {
        await kind.create(file, name);
        setFile(null);
        setName('');
        if (fileInput.current) fileInput.current.value = '';
      });
    } finally {
      setBusy(false);
    }
  };

  const rename = async (item: T) => {
    const next = editing[item.id];
    if (next === undefined || next === item.name) return;
    await change(async () => {
      await kind.rename(item, next);
      setEditing(({ [item.id]: _, ...rest }) => rest);
    });
  };

  return {
    nameMaxLength: kind.nameMaxLength,
    items,
    file,
    name,
    setName,
    busy,
    error,
    fileInput,
    pickFile,
    upload,
    /** Your own with CREATE_GUILD_EXPRESSIONS, any with MANAGE_GUILD_EXPRESSIONS (or `kind.editsAll`). */
    mayEdit: (item: T) => manageAll || item.user?.id === meId,
    /** The in-place name box of an item. */
    nameBox: (item: T) => ({
      value: editing[item.id] ?? item.name,
      onInput: (ev: FormEvent<HTMLInputElement>) => {
        const value = ev.currentTarget.value;
        setEditing((m) => ({ ...m, [item.id]: value }));
      },
      onBlur: () => void rename(item),
      onKeyDown: (ev: { key: string }) => ev.key === 'Enter' && void rename(item),
    }),
    remove: (item: T) => change(() => kind.remove(item)),
  };
}

/** The upload form: the file, its name, the tab's own fields (children), then the submit button. */
export function ExpressionUploadForm<T extends Expression>(props: {
  manager: ExpressionManager<T>;
  fileId: string;
  fileLabel: string;
  accept: string;
  nameLabel: string;
  submitLabel: string;
  children?: ReactNode;
}) {
  const { manager } = props;
  return (
    <form className="emoji-upload" onSubmit={manager.upload}>
      <label>
        {props.fileLabel}
        <input ref={manager.fileInput} id={props.fileId} type="file" accept={props.accept} onChange={manager.pickFile} />
      </label>
      <label>
        Name
        <input value={manager.name} maxLength={manager.nameMaxLength} aria-label={props.nameLabel} onInput={(e) => manager.setName(e.currentTarget.value)} />
      </label>
      {props.children}
      <button type="submit" disabled={manager.busy || !manager.file}>{props.submitLabel}</button>
    </form>
  );
}

/** How one item's row looks; the rest of the row (name box, uploader, Delete) is the same for every kind. */
export interface ExpressionRowLook {
  image: ReactNode;
  /** The name as shown to those who may not edit it. */
  shownName: string;
  nameLabel: string;
  deleteLabel: string;
  /** Shown after the name. */
  details?: ReactNode;
}

/** The error, then "none yet" or the list, each row editable by those who may. */
export function ExpressionList<T extends Expression>(props: {
  manager: ExpressionManager<T>;
  empty: string;
  /** A class for the rows besides emoji-row. */
  rowClass?: string;
  /** The row's data attribute holding the item's id. */
  idAttribute: `data-${string}`;
  row(item: T): ExpressionRowLook;
}) {
  const { manager } = props;
  const { items, error } = manager;
  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      {items && items.length === 0 && <p className="muted">{props.empty}</p>}
      {items && items.length > 0 && (
        <ul className="emoji-list">
          {items.map((item) => {
            const look = props.row(item);
            const mayEdit = manager.mayEdit(item);
            return (
              <li key={item.id} className={props.rowClass ? `emoji-row ${props.rowClass}` : 'emoji-row'} {...{ [props.idAttribute]: item.id }}>
                {look.image}
                {mayEdit ? <input aria-label={look.nameLabel} maxLength={manager.nameMaxLength} {...manager.nameBox(item)} /> : <span>{look.shownName}</span>}
                {look.details}
                {item.user && <span className="muted small">by {item.user.global_name ?? item.user.username}</span>}
                {mayEdit && (
                  <button type="button" className="danger" aria-label={look.deleteLabel} onClick={() => void manager.remove(item)}>
                    Delete
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
