/**
 * Security actions at the top of Server Settings → Invites, for those with Manage Server (Discord's incident
 * actions): pause invites (nobody new joins) and pause DMs (members who are not friends cannot start DMs through
 * the server), each for 1 to 24 hours, and resume either early. The server keeps both in one PUT, so each change
 * sends the other's current end along.
 */
import { useEffect, useState } from 'react';
import { getIncidents, MAX_PAUSE_HOURS, pausedNow, setIncidentActions, type IncidentsData } from '../guild-community.ts';
import { errorText } from '../session.ts';

const HOURS = [1, 6, 12, MAX_PAUSE_HOURS];
const NONE: IncidentsData = { invites_disabled_until: null, dms_disabled_until: null };

type Action = keyof IncidentsData;
/** The end of a pause of `hours` from now; the longest a minute short, so that a clock ahead of the server's is not refused. */
const pauseEnd = (hours: number) => new Date(Date.now() + Math.min(hours * 3_600_000, MAX_PAUSE_HOURS * 3_600_000 - 60_000)).toISOString();
const ACTIONS: Array<{ field: Action; label: string; paused: string; hint: string }> = [
  { field: 'invites_disabled_until', label: 'Invites', paused: 'Invites are paused', hint: 'Nobody new can join through an invite.' },
  { field: 'dms_disabled_until', label: 'DMs', paused: 'DMs are paused', hint: 'Members who are not friends cannot DM each other through this server.' },
];

export function SecurityActions({ guildId }: { guildId: string }) {
  const [data, setData] = useState<IncidentsData | null>(null);
  const [hours, setHours] = useState<Record<Action, number>>({ invites_disabled_until: 24, dms_disabled_until: 24 });
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    getIncidents(guildId).then((d) => live && setData(d ?? NONE), (err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [guildId]);

  const change = async (field: Action, until: string | null) => {
    if (!data) return;
    setError('');
    // A pause already over is sent as null, so the PUT never carries a time in the past.
    const keep = (f: Action) => (pausedNow(data[f]) ? data[f] : null);
    try {
      const next = await setIncidentActions(guildId, { invites_disabled_until: keep('invites_disabled_until'), dms_disabled_until: keep('dms_disabled_until'), [field]: until });
      setData({ invites_disabled_until: next.invites_disabled_until, dms_disabled_until: next.dms_disabled_until });
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="stack security-actions" aria-label="Security actions">
      <h4>Security Actions</h4>
      {error && <p className="error" role="alert">{error}</p>}
      {data === null && !error && <p className="muted" role="status">Loading…</p>}
      {data &&
        ACTIONS.map((a) => {
          const paused = pausedNow(data[a.field]);
          return (
            <div key={a.field} className="row security-action" data-action={a.field}>
              <div className="grow">
                <strong>{paused ? a.paused : `Pause ${a.label}`}</strong>
                <div className="muted small" role="status">
                  {paused ? `until ${new Date(data[a.field]!).toLocaleString()}` : a.hint}
                </div>
              </div>
              {paused ? (
                <button type="button" className="button small secondary" onClick={() => void change(a.field, null)}>
                  Resume {a.label}
                </button>
              ) : (
                <>
                  <select
                    aria-label={`Pause ${a.label} for`}
                    value={hours[a.field]}
                    onChange={(e) => setHours((h) => ({ ...h, [a.field]: Number(e.target.value) }))}
                  >
                    {HOURS.map((h) => (
                      <option key={h} value={h}>
                        {h === 1 ? '1 hour' : `${h} hours`}
                      </option>
                    ))}
                  </select>
                  <button type="button" className="button small danger" onClick={() => void change(a.field, pauseEnd(hours[a.field]))}>
                    Pause {a.label}
                  </button>
                </>
              )}
            </div>
          );
        })}
    </section>
  );
}
