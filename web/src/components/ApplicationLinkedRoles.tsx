/**
 * The developer portal's Linked Roles section of an application: its role connection metadata, the values it may
 * report for each user who connects (up to 5: a key, a name, a description and how a role would compare the value),
 * saved whole (PUT /applications/{id}/role-connections/metadata). The server checks keys and types.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { rest } from '../api.ts';
import type { Application } from '../applications.ts';
import { errorText } from '../session.ts';
import { StatusLine, type Status } from './StatusLine.tsx';

interface MetadataRecord {
  type: number;
  key: string;
  name: string;
  description: string;
  name_localizations?: Record<string, string>;
  description_localizations?: Record<string, string>;
}

/** Discord's metadata types, as its portal names them. */
const TYPES: ReadonlyArray<[number, string]> = [
  [1, 'Number at most'], [2, 'Number at least'], [3, 'Number equals'], [4, 'Number not equal'],
  [5, 'Date at most (days ago)'], [6, 'Date at least (days ago)'], [7, 'Boolean is true'], [8, 'Boolean is false'],
];
const MAX_RECORDS = 5;

export function ApplicationLinkedRoles({ app }: { app: Pick<Application, 'id'> }) {
  const [records, setRecords] = useState<MetadataRecord[] | null>(null);
  const [status, setStatus] = useState<Status>({});
  useEffect(() => {
    rest.get<MetadataRecord[]>(`/applications/${app.id}/role-connections/metadata`).then(setRecords, (err) => setStatus({ error: errorText(err) }));
  }, [app.id]);
  if (!records) return <StatusLine status={status} />;
  const edit = (i: number, patch: Partial<MetadataRecord>) => setRecords(records.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setStatus({});
    try {
      setRecords(await rest.put<MetadataRecord[]>(`/applications/${app.id}/role-connections/metadata`, records));
      setStatus({ ok: 'Linked roles saved.' });
    } catch (err) {
      setStatus({ error: errorText(err) });
    }
  };
  return (
    <section className="stack application-linked-roles" aria-label="Linked Roles">
      <h4>Linked Roles</h4>
      <p className="muted small">
        What your app may report about each user who connects it (with the <code>role_connections.write</code> scope), for
        server roles to check. Up to {MAX_RECORDS}.
      </p>
      <form className="stack" onSubmit={save} aria-label="Role connection metadata">
        {records.map((r, i) => (
          <fieldset key={i} className="stack linked-role-record">
            <legend>Record {i + 1}</legend>
            <label>
              Key
              <input aria-label={`Key of record ${i + 1}`} value={r.key} maxLength={50} pattern="[a-z0-9_]{1,50}" onChange={(e) => edit(i, { key: e.target.value })} />
            </label>
            <label>
              Name
              <input aria-label={`Name of record ${i + 1}`} value={r.name} maxLength={100} onChange={(e) => edit(i, { name: e.target.value })} />
            </label>
            <label>
              Description
              <input aria-label={`Description of record ${i + 1}`} value={r.description} maxLength={200} onChange={(e) => edit(i, { description: e.target.value })} />
            </label>
            <label>
              Type
              <select aria-label={`Type of record ${i + 1}`} value={r.type} onChange={(e) => edit(i, { type: Number(e.target.value) })}>
                {TYPES.map(([value, label]) => (
                  <option key={value} value={value}>{label}</option>
                ))}
              </select>
            </label>
            <button type="button" className="button small danger" onClick={() => setRecords(records.filter((_, j) => j !== i))}>
              Remove Record {i + 1}
            </button>
          </fieldset>
        ))}
        <div className="row">
          <button type="button" className="button small secondary" disabled={records.length >= MAX_RECORDS} onClick={() => setRecords([...records, { type: 1, key: '', name: '', description: '' }])}>
            Add Record
          </button>
          <button type="submit" className="button small">Save Linked Roles</button>
        </div>
      </form>
      <StatusLine status={status} />
    </section>
  );
}
