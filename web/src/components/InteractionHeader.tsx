/**
 * The line Discord's client draws above an application's reply to a command: "<user> used /command", with the
 * invoker's avatar on a reply spine. Read from the message's `interaction_metadata` (or the legacy `interaction`).
 * Replies to a component or to a modal opened from one name no command and get no line (Discord shows none
 * either); a modal submitted from a command shows that command (its `triggering_interaction_metadata`).
 */
import { displayName, useStore } from '../store.ts';
import { MessageType, type InteractionMetadata, type Message, type User } from '../types.ts';
import { Avatar } from './Avatar.tsx';

const APPLICATION_COMMAND = 2;
const MODAL_SUBMIT = 5;

export interface InteractionHeaderInfo {
  user: User;
  /** As shown: "/name" for a slash command, the bare name for a context menu command. */
  command: string;
}

function commandOf(meta: InteractionMetadata | undefined): string | null {
  if (!meta) return null;
  if (meta.type === APPLICATION_COMMAND && meta.name) return meta.name;
  if (meta.type === MODAL_SUBMIT) return commandOf(meta.triggering_interaction_metadata);
  return null;
}

export function interactionHeaderOf(msg: Message): InteractionHeaderInfo | null {
  const meta = msg.interaction_metadata;
  const legacy = msg.interaction;
  const name = commandOf(meta) ?? (legacy?.type === APPLICATION_COMMAND && legacy.name ? legacy.name : null);
  const user = meta?.user ?? legacy?.user;
  if (!name || !user?.id) return null;
  return { user, command: msg.type === MessageType.CONTEXT_MENU_COMMAND ? name : `/${name}` };
}

export function InteractionHeader({ header, guildId }: { header: InteractionHeaderInfo; guildId: string | null }) {
  const known = useStore((s) => (s.users[header.user.id] || (guildId && s.members[guildId]?.[header.user.id]) ? displayName(s, header.user.id, guildId) : null));
  const name = known ?? (header.user.global_name || header.user.username);
  return (
    <div className="reply-preview interaction-header">
      <span className="reply-spine" aria-hidden="true" />
      <Avatar user={header.user} size={16} guildId={guildId} />
      <strong>{name}</strong> <span className="muted">used</span> <span className="interaction-command">{header.command}</span>
    </div>
  );
}
