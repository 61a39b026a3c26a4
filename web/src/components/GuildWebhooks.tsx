/**
 * Server Settings → Integrations → Webhooks (Manage Webhooks), as Discord's: the server's webhooks (GET
 * /guilds/{id}/webhooks), "New Webhook" in a text channel (POST /channels/{id}/webhooks, Discord's default name),
 * and for each its name, channel and avatar (PATCH /webhooks/{id}), "Copy Webhook URL", and "Delete Webhook" after a
 * confirmation (DELETE /webhooks/{id}).
 */
import { useEffect, useState } from 'react';
import { rest } from '../api.ts';
import { useStore } from '../store.ts';
import { ChannelType, type User } from '../types.ts';
import { Avatar } from './Avatar.tsx';
import { ImagePickButton } from './ImagePickButton.tsx';
import { Confirm } from './Modal.tsx';

/** Discord's webhook object, as far as this section reads it. */
interface Webhook {
  id: string;
  name: string | null;
  channel_id: string;
  avatar: string | null;
  token?: string;
  user?: User;
}

/** The name Discord gives a new webhook. */
const DEFAULT_NAME = 'Captain Hook';

/** Channels a webhook posts in (routes/webhooks.ts): text, voice and announcement channels. */
const WEBHOOK_CHANNEL_TYPES: ReadonlySet<number> = new Set([ChannelType.GUILD_TEXT, ChannelType.GUILD_VOICE, ChannelType.GUILD_ANNOUNCEMENT]);

export function WebhooksSection({ guildId, run }: { guildId: string; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const allChannels = useStore((s) => s.channels);
  const channels = Object.values(allChannels).filter((c) => c.guild_id === guildId && WEBHOOK_CHANNEL_TYPES.has(c.type)).sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  useEffect(() => {
    void run(async () => setHooks(await rest.get<Webhook[]>(`/guilds/${guildId}/webhooks`)));
    // Once per guild (`run` is new on every render and only reports errors).
  }, [guildId]);
  const replace = (w: Webhook) => setHooks((list) => list?.map((x) => (x.id === w.id ? { ...x, ...w } : x)) ?? null);
  const first = channels.find((c) => c.type === ChannelType.GUILD_TEXT) ?? channels[0];

  return (
    <section className="stack" aria-label="Webhooks">
      <div className="row">
        <h3 className="grow">Webhooks</h3>
        <button
          type="button"
          className="button small"
          disabled={!first}
          onClick={() => run(async () => {
            const made = await rest.post<Webhook>(`/channels/${first!.id}/webhooks`, { name: DEFAULT_NAME });
            setHooks((list) => [...(list ?? []), made]);
          })}
        >
          New Webhook
        </button>
      </div>
      {hooks === null ? (
        <p className="muted" role="status">Loading webhooks…</p>
      ) : hooks.length === 0 ? (
        <p className="muted">No webhooks yet. A webhook posts messages into a channel from anywhere that has its URL.</p>
      ) : (
        <ul className="settings-list" aria-label="Webhook list">
          {hooks.map((w) => (
            <WebhookRow key={w.id} hook={w} channels={channels} run={run} onSaved={replace} onDelete={() => setDeleting(w)} />
          ))}
        </ul>
      )}
      {deleting && (
        <Confirm
          title={`Delete ${deleting.name ?? 'webhook'}`}
          body={<p>Anything that posts through this webhook's URL will stop working. This cannot be undone.</p>}
          confirmLabel="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await rest.delete(`/webhooks/${deleting.id}`);
            setHooks((list) => list?.filter((x) => x.id !== deleting.id) ?? null);
            setDeleting(null);
          }}
        />
      )}
    </section>
  );
}

function WebhookRow({ hook, channels, run, onSaved, onDelete }: {
  hook: Webhook;
  channels: Array<{ id: string; name?: string | null }>;
  run: (fn: () => Promise<unknown>) => Promise<void>;
  onSaved: (w: Webhook) => void;
  onDelete: () => void;
}) {
  const [name, setName] = useState(hook.name ?? '');
  const [channelId, setChannelId] = useState(hook.channel_id);
  /** A picked picture not saved yet (a data URI), null to remove, undefined: unchanged. */
  const [avatar, setAvatar] = useState<string | null | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const dirty = name.trim() !== (hook.name ?? '') || channelId !== hook.channel_id || avatar !== undefined;
  const url = hook.token ? `${location.origin}/api/webhooks/${hook.id}/${hook.token}` : null;
  const label = hook.name ?? 'webhook';
  return (
    <li className="stack webhook-row" data-webhook-id={hook.id}>
      <div className="row">
        <Avatar user={{ id: hook.id, username: label, avatar: hook.avatar }} size={40} preview={avatar ?? undefined} />
        <label className="grow">
          Name
          <input aria-label={`Name of ${label}`} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Channel
          <select aria-label={`Channel of ${label}`} value={channelId} onChange={(e) => setChannelId(e.target.value)}>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>
                #{c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row wrap">
        <ImagePickButton label={`Change avatar of ${label}`} onPick={(uri) => setAvatar(uri)} onError={() => {}} className="button small secondary" />
        {url && (
          <button
            type="button"
            className="button small secondary"
            onClick={async () => {
              await navigator.clipboard?.writeText(url).catch(() => {});
              setCopied(true);
            }}
          >
            {copied ? 'Copied' : 'Copy Webhook URL'}
          </button>
        )}
        <button
          type="button"
          className="button small"
          disabled={!dirty || name.trim().length === 0}
          onClick={() => run(async () => {
            const saved = await rest.patch<Webhook>(`/webhooks/${hook.id}`, {
              ...(name.trim() !== (hook.name ?? '') ? { name: name.trim() } : {}),
              ...(channelId !== hook.channel_id ? { channel_id: channelId } : {}),
              ...(avatar !== undefined ? { avatar } : {}),
            });
            setAvatar(undefined);
            onSaved(saved);
          })}
        >
          Save Changes
        </button>
        <button type="button" className="button small danger" onClick={onDelete}>
          Delete Webhook
        </button>
      </div>
      {url && <input readOnly className="muted small" aria-label={`URL of ${label}`} value={url} onFocus={(e) => e.currentTarget.select()} />}
    </li>
  );
}
