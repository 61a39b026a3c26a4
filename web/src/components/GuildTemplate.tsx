/**
 * Server templates in the web client: Server Settings → Server Template (Manage Server: generate one with a name
 * and description, copy its link, sync it when the server has changed, edit or delete it), and the page a template
 * link opens (/template/{code}: what the template holds, a name for the new server, Create). guild-templates.ts
 * talks to the server.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import {
  createGuildFromTemplate, createTemplate, deleteTemplate, getTemplate, listTemplates, syncTemplate, templateContents, templateLink, updateTemplate,
  type GuildTemplate,
} from '../guild-templates.ts';
import { canManageGuild } from '../guild-community.ts';
import { expectGuild } from '../membership.ts';
import { navigate } from '../router.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { CopyField } from './CopyField.tsx';
import { Confirm } from './Modal.tsx';

type Run = (fn: () => Promise<unknown>) => Promise<void>;

export function useTemplateTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'template', string]> {
  const allowed = useStore((s) => canManageGuild(s, guildId));
  return useMemo(() => (allowed ? [...tabs, ['template', 'Server Template']] : [...tabs]), [allowed, tabs]);
}

export function TemplateTab({ guildId, run }: { guildId: string; run: Run }) {
  /** undefined while loading, null when the server has none. */
  const [template, setTemplate] = useState<GuildTemplate | null | undefined>(undefined);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    void run(async () => {
      const [t] = await listTemplates(guildId);
      setTemplate(t ?? null);
      setName(t?.name ?? '');
      setDescription(t?.description ?? '');
    });
    // Once per guild (`run` is new on every render and only reports errors).
  }, [guildId]);
  if (template === undefined) return <p className="muted" role="status">Loading template…</p>;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const saved = template
        ? await updateTemplate(guildId, template.code, { name: name.trim(), description: description.trim() || null })
        : await createTemplate(guildId, name.trim(), description.trim());
      setTemplate(saved);
    });
  };
  return (
    <div className="stack server-template">
      <p className="muted small">
        A template copies this server's roles, channels and permissions (not its members or messages) so anyone with the link can start a server like it.
      </p>
      <form className="stack" aria-label="Server template" onSubmit={submit}>
        <label>
          Template title
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
        </label>
        <label>
          Template description
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} maxLength={120} rows={2} />
        </label>
        <div className="row">
          <button type="submit" className="button" disabled={!name.trim()}>
            {template ? 'Save Template' : 'Generate Template'}
          </button>
        </div>
      </form>
      {template && (
        <>
          <CopyField label="Template link" value={templateLink(template.code)} />
          <p className="muted small" data-testid="template-usage">
            Used {template.usage_count} time{template.usage_count === 1 ? '' : 's'} · {templateContents(template)}
          </p>
          {template.is_dirty ? <p className="small" role="status">This template has unsynced changes.</p> : <p className="muted small">The template matches the server.</p>}
          <div className="row">
            <button type="button" className="button secondary" disabled={!template.is_dirty} onClick={() => void run(async () => setTemplate(await syncTemplate(guildId, template.code)))}>
              Sync Template
            </button>
            <button type="button" className="button danger" onClick={() => setDeleting(true)}>
              Delete Template
            </button>
          </div>
        </>
      )}
      {deleting && template && (
        <Confirm
          title="Delete Template"
          body={<p>The link stops working; servers already made from it stay as they are.</p>}
          confirmLabel="Delete Template"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await deleteTemplate(guildId, template.code);
            setTemplate(null);
            setName('');
            setDescription('');
            setDeleting(false);
          }}
        />
      )}
    </div>
  );
}

/** /template/{code}: what a template holds, and a new server made from it. */
export function TemplateScreen({ code }: { code: string }) {
  const [template, setTemplate] = useState<GuildTemplate | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    let live = true;
    getTemplate(code).then(
      (t) => {
        if (!live) return;
        setTemplate(t);
        setName(t.serialized_source_guild.name);
      },
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [code]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setCreating(true);
    setError('');
    try {
      const g = await createGuildFromTemplate(code, name.trim());
      expectGuild(g.id);
      navigate(`/channels/${g.id}`, { replace: true });
    } catch (err) {
      setError(errorText(err, 'name'));
      setCreating(false);
    }
  }

  return (
    <div className="auth-page">
      <div className="auth-card invite-card" role="region" aria-label="Server template">
        {!template && !error && <p className="muted">Loading template…</p>}
        {error && !template && (
          <>
            <h1>Template invalid</h1>
            <p className="muted">This template link may have been deleted. ({error})</p>
          </>
        )}
        {template && (
          <form className="stack" onSubmit={create}>
            <p className="muted">Create a server based on the template</p>
            <h1>{template.name}</h1>
            {template.description && <p>{template.description}</p>}
            <p className="muted small">
              {templateContents(template)} · used {template.usage_count} time{template.usage_count === 1 ? '' : 's'}
            </p>
            <label>
              Server name
              <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
            </label>
            {error && <p className="form-error" role="alert">{error}</p>}
            <button type="submit" className="button block" disabled={creating || name.trim().length < 2}>
              {creating ? 'Creating…' : 'Create Server'}
            </button>
          </form>
        )}
        <button type="button" className="link-button small" onClick={() => navigate('/channels/@me', { replace: true })}>
          Not now
        </button>
      </div>
    </div>
  );
}
