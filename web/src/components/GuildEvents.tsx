/**
 * The server menu's "Events": the server's scheduled events still to come or running (GET
 * /guilds/{id}/scheduled-events?with_user_count=true), each with who is interested and an Interested toggle
 * (PUT / DELETE …/users/@me); those who may (Manage Events, or Create Events for their own) start, end, cancel or
 * delete one; Create Event (Create Events) schedules one somewhere else (a location), in a voice channel or on a stage.
 * Starting a stage event opens its stage for a stage moderator, and ending it closes the stage (the server links them).
 * The list is read when the dialog opens and after each change made here.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { rest } from '../api.ts';
import { P, basePermissions, channelPermissions, has } from '../perms.ts';
import { canModerateStage, startStage } from '../stages.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { ChannelType, type User } from '../types.ts';
import { Modal } from './Modal.tsx';

/** Discord's scheduled event object, as far as this dialog reads it. */
interface ScheduledEvent {
  id: string;
  channel_id: string | null;
  creator_id: string | null;
  name: string;
  description: string | null;
  scheduled_start_time: string;
  scheduled_end_time: string | null;
  status: 1 | 2 | 3 | 4;
  entity_type: number;
  entity_metadata: { location?: string } | null;
  creator?: User;
  user_count?: number;
}

const STATUS_LABEL: Record<number, string> = { 1: 'Scheduled', 2: 'Happening now', 3: 'Ended', 4: 'Cancelled' };

/** A datetime-local input's value (local time, minutes) for `ms`. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function GuildEvents({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const me = useStore((s) => s.me);
  const guild = useStore((s) => s.guilds[guildId]);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  const allChannels = useStore((s) => s.channels);
  const liveStages = useStore((s) => s.stages);
  const channelsOf = (type: number) => Object.values(allChannels).filter((c) => c.guild_id === guildId && c.type === type).sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((c) => ({ id: c.id, name: c.name ?? '' }));
  const voiceChannels = useMemo(() => channelsOf(ChannelType.GUILD_VOICE), [allChannels, guildId]);
  const stageChannels = useMemo(() => channelsOf(ChannelType.GUILD_STAGE_VOICE), [allChannels, guildId]);
  const perms = guild && me ? basePermissions(guild, me.id, member) : 0n;
  const canCreate = has(perms, P.CREATE_EVENTS) || has(perms, P.MANAGE_EVENTS);
  const canManage = (e: ScheduledEvent) => has(perms, P.MANAGE_EVENTS) || (e.creator_id === me?.id && has(perms, P.CREATE_EVENTS));

  const [events, setEvents] = useState<ScheduledEvent[] | null>(null);
  const [interested, setInterested] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState('');
  const run = (fn: () => Promise<unknown>) => fn().catch((err) => setError(errorText(err)));

  const load = async () => {
    const list = (await rest.get<ScheduledEvent[]>(`/guilds/${guildId}/scheduled-events`, { with_user_count: 'true' }))
      .filter((e) => e.status === 1 || e.status === 2)
      .sort((a, b) => Date.parse(a.scheduled_start_time) - Date.parse(b.scheduled_start_time));
    // Whether I am interested: the first interested user from just below my id is me, or not (Discord's API only).
    const mine = new Set<string>();
    if (me) {
      const below = (BigInt(me.id) - 1n).toString();
      await Promise.all(list.map(async (e) => {
        const [first] = await rest.get<Array<{ user: User }>>(`/guilds/${guildId}/scheduled-events/${e.id}/users`, { after: below, limit: 1 });
        if (first?.user.id === me.id) mine.add(e.id);
      }));
    }
    setEvents(list);
    setInterested(mine);
  };
  useEffect(() => {
    void run(load);
    // Once per open.
  }, [guildId]);

  const change = (fn: () => Promise<unknown>) => run(async () => {
    setError('');
    await fn();
    await load();
  });
  const base = `/guilds/${guildId}/scheduled-events`;
  /**
   * A stage event started by a stage moderator opens its stage (the event follows it); any other, or one whose stage
   * is already live, starts the event alone.
   */
  const start = (e: ScheduledEvent) => {
    const stage = e.entity_type === 1 && e.channel_id ? allChannels[e.channel_id] : undefined;
    const idle = stage && !liveStages[stage.id];
    if (idle && guild && me && canModerateStage(channelPermissions(guild, stage, me.id, member))) return startStage(stage.id, e.name.slice(0, 120), e.id);
    return rest.patch(`${base}/${e.id}`, { status: 2 });
  };

  return (
    <Modal title="Events" onClose={onClose} wide>
      {error && <p className="form-error" role="alert">{error}</p>}
      {canCreate && !creating && (
        <button type="button" className="button" onClick={() => setCreating(true)}>
          Create Event
        </button>
      )}
      {creating && (
        <CreateEventForm
          voiceChannels={voiceChannels}
          stageChannels={stageChannels}
          onCancel={() => setCreating(false)}
          onCreate={(body) => change(async () => {
            await rest.post(base, body);
            setCreating(false);
          })}
        />
      )}
      {events === null ? (
        <p className="muted" role="status">Loading events…</p>
      ) : events.length === 0 ? (
        <p className="muted">No upcoming events.{canCreate ? ' Schedule one with Create Event.' : ''}</p>
      ) : (
        <ul className="settings-list event-list" aria-label="Upcoming events">
          {events.map((e) => {
            const where = e.entity_metadata?.location ?? (e.channel_id ? `${e.entity_type === 1 ? '🎙️' : '🔊'} ${allChannels[e.channel_id]?.name ?? (e.entity_type === 1 ? 'stage channel' : 'voice channel')}` : '');
            const isInterested = interested.has(e.id);
            return (
              <li key={e.id} className="event-card" data-event-id={e.id} aria-label={e.name}>
                <div className="grow">
                  <div className="muted small">
                    {STATUS_LABEL[e.status]} · <time dateTime={e.scheduled_start_time}>{new Date(e.scheduled_start_time).toLocaleString()}</time>
                  </div>
                  <strong>{e.name}</strong>
                  {where && <div className="small">{where}</div>}
                  {e.description && <p className="small">{e.description}</p>}
                  <div className="muted small" data-testid="interested-count">{e.user_count ?? 0} interested</div>
                </div>
                <div className="event-actions">
                  <button
                    type="button"
                    className={`button small${isInterested ? '' : ' secondary'}`}
                    aria-pressed={isInterested}
                    onClick={() => change(() => (isInterested ? rest.delete(`${base}/${e.id}/users/@me`) : rest.put(`${base}/${e.id}/users/@me`)))}
                  >
                    Interested
                  </button>
                  {canManage(e) && e.status === 1 && (
                    <>
                      <button type="button" className="button small secondary" onClick={() => change(() => start(e))}>
                        Start
                      </button>
                      <button type="button" className="button small secondary" onClick={() => change(() => rest.patch(`${base}/${e.id}`, { status: 4 }))}>
                        Cancel Event
                      </button>
                    </>
                  )}
                  {canManage(e) && e.status === 2 && (
                    <button type="button" className="button small secondary" onClick={() => change(() => rest.patch(`${base}/${e.id}`, { status: 3 }))}>
                      End Event
                    </button>
                  )}
                  {canManage(e) && (
                    <button type="button" className="button small danger" aria-label={`Delete ${e.name}`} onClick={() => change(() => rest.delete(`${base}/${e.id}`))}>
                      Delete
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </Modal>
  );
}

function CreateEventForm({ voiceChannels, stageChannels, onCancel, onCreate }: {
  voiceChannels: Array<{ id: string; name: string }>;
  stageChannels: Array<{ id: string; name: string }>;
  onCancel: () => void;
  onCreate: (body: Record<string, unknown>) => void;
}) {
  const hour = 3_600_000;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'external' | 'voice' | 'stage'>('external');
  const [location, setLocation] = useState('');
  const [channelId, setChannelId] = useState('');
  const choices = kind === 'stage' ? stageChannels : voiceChannels;
  const chosen = choices.some((c) => c.id === channelId) ? channelId : (choices[0]?.id ?? '');
  const [start, setStart] = useState(localInput(Math.ceil(Date.now() / hour) * hour + hour));
  const [end, setEnd] = useState(localInput(Math.ceil(Date.now() / hour) * hour + 2 * hour));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const startIso = new Date(start).toISOString();
    onCreate({
      name: name.trim(),
      privacy_level: 2,
      scheduled_start_time: startIso,
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(kind === 'external'
        ? { entity_type: 3, entity_metadata: { location: location.trim() }, scheduled_end_time: new Date(end).toISOString() }
        : { entity_type: kind === 'stage' ? 1 : 2, channel_id: chosen, ...(end ? { scheduled_end_time: new Date(end).toISOString() } : {}) }),
    });
  };
  return (
    <form className="stack event-form" aria-label="Create Event" onSubmit={submit}>
      <fieldset className="radio-row">
        <legend>Where is your event?</legend>
        <label>
          <input type="radio" name="event-kind" checked={kind === 'external'} onChange={() => setKind('external')} /> Somewhere else
        </label>
        {voiceChannels.length > 0 && (
          <label>
            <input type="radio" name="event-kind" checked={kind === 'voice'} onChange={() => setKind('voice')} /> Voice channel
          </label>
        )}
        {stageChannels.length > 0 && (
          <label>
            <input type="radio" name="event-kind" checked={kind === 'stage'} onChange={() => setKind('stage')} /> Stage channel
          </label>
        )}
      </fieldset>
      {kind === 'external' ? (
        <label>
          Location
          <input value={location} onChange={(e) => setLocation(e.target.value)} maxLength={100} required />
        </label>
      ) : (
        <label>
          Channel
          <select value={chosen} onChange={(e) => setChannelId(e.target.value)}>
            {choices.map((c) => (
              <option key={c.id} value={c.id}>
                {kind === 'stage' ? '🎙️' : '🔊'} {c.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Event topic
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
      </label>
      <label>
        Start
        <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required />
      </label>
      <label>
        End
        <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} required={kind === 'external'} />
      </label>
      <label>
        Description
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1000} rows={3} />
      </label>
      <div className="row">
        <button type="submit" className="button" disabled={!name.trim() || (kind === 'external' && !location.trim())}>
          Schedule Event
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
