/**
 * Server Settings → Integrations: the server's bots as Discord lists them (GET /guilds/{id}/integrations; Manage
 * Server), each with "Remove", which takes the bot out of the server with its managed role (DELETE
 * /guilds/{id}/integrations/{id}) after a confirmation; and its webhooks (Manage Webhooks, GuildWebhooks.tsx).
 */
import { useEffect, useMemo, useState } from 'react';
import { rest } from '../api.ts';
import { canManageGuild, canManageWebhooks } from '../guild-community.ts';
import { WebhooksSection } from './GuildWebhooks.tsx';
import { useStore } from '../store.ts';
import type { User } from '../types.ts';
import { Avatar } from './Avatar.tsx';
import { Confirm } from './Modal.tsx';

/** Discord's integration object, as far as this tab reads it. */
interface Integration {
  id: string;
  name: string;
  type: string;
  application?: { id: string; name: string; description: string; bot?: User };
}

export function useIntegrationTabs<T extends string>(guildId: string, tabs: ReadonlyArray<[T, string]>): Array<[T | 'integrations', string]> {
  const allowed = useStore((s) => canManageGuild(s, guildId) || canManageWebhooks(s, guildId));
  return useMemo(() => (allowed ? [...tabs, ['integrations', 'Integrations']] : [...tabs]), [allowed, tabs]);
}

export function IntegrationsTab({ guildId, run }: { guildId: string; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const bots = useStore((s) => canManageGuild(s, guildId));
  const webhooks = useStore((s) => canManageWebhooks(s, guildId));
  return (
    <div className="stack">
      {bots && <Bots guildId={guildId} run={run} />}
      {webhooks && <WebhooksSection guildId={guildId} run={run} />}
    </div>
  );
}

function Bots({ guildId, run }: { guildId: string; run: (fn: () => Promise<unknown>) => Promise<void> }) {
  const [integrations, setIntegrations] = useState<Integration[] | null>(null);
  const [removing, setRemoving] = useState<Integration | null>(null);
  useEffect(() => {
    void run(async () => setIntegrations(await rest.get<Integration[]>(`/guilds/${guildId}/integrations`)));
    // Once per guild (`run` is new on every render and only reports errors).
  }, [guildId]);
  if (integrations === null) return <p className="muted" role="status">Loading integrations…</p>;
  return (
    <>
      {integrations.length === 0 ? (
        <p className="muted">No bots in this server. A bot's owner adds it through its authorize link.</p>
      ) : (
        <ul className="settings-list" aria-label="Bots">
          {integrations.map((i) => (
            <li key={i.id} className="row integration-row" data-integration-id={i.id}>
              {i.application?.bot && <Avatar user={i.application.bot} size={32} />}
              <div className="grow">
                <strong>{i.name}</strong> <span className="tag">APP</span>
                {i.application?.description && <div className="muted small">{i.application.description}</div>}
              </div>
              <button type="button" className="button small danger" aria-label={`Remove ${i.name}`} onClick={() => setRemoving(i)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {removing && (
        <Confirm
          title={`Remove ${removing.name}`}
          body={<p>{removing.name} will leave the server, and its role with it. Someone with Manage Server can add it again.</p>}
          confirmLabel="Remove"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await rest.delete(`/guilds/${guildId}/integrations/${removing.id}`);
            setIntegrations((list) => list?.filter((x) => x.id !== removing.id) ?? null);
            setRemoving(null);
          }}
        />
      )}
    </>
  );
}
