/**
 * What the composer of each channel shows about the last command sent there, from the command form or a context
 * menu: "<App> is thinking…", then why it failed, if it did. Part of the first screen (the form is not).
 */
import { useSyncExternalStore } from 'react';
import { sendCommand, type CommandEntry, type OptionValues } from '../commands.ts';
import { Icon } from './Icon.tsx';

export type CommandStatus = { kind: 'thinking'; appName: string } | { kind: 'error'; text: string } | null;

// What the composer of each channel shows about the last command sent there (from the form or a context menu).
let statuses: Record<string, CommandStatus> = {};
const statusListeners = new Set<() => void>();
const setStatus = (channelId: string, status: CommandStatus) => {
  statuses = { ...statuses, [channelId]: status };
  statusListeners.forEach((l) => l());
};

/** Sends the command (USER and MESSAGE commands name their target); the channel's composer shows how it goes. */
export async function runCommand(entry: CommandEntry, channelId: string, guildId: string | null, values: OptionValues, targetId?: string): Promise<void> {
  setStatus(channelId, { kind: 'thinking', appName: entry.app.name });
  const outcome = await sendCommand(entry, channelId, guildId, values, targetId);
  setStatus(channelId, outcome.ok ? null : { kind: 'error', text: outcome.error });
}

/** "<App> is thinking…" while a command waits for its application, then why it failed, if it did. */
export function CommandStatusLine({ channelId }: { channelId: string }) {
  const status = useSyncExternalStore(
    (fn) => {
      statusListeners.add(fn);
      return () => statusListeners.delete(fn);
    },
    () => statuses[channelId] ?? null,
  );
  if (status?.kind === 'thinking') {
    return (
      <p className="command-status" role="status" data-testid="command-status">
        {status.appName} is thinking…
      </p>
    );
  }
  if (status?.kind === 'error') {
    return (
      <p className="form-error small command-status" role="alert" data-testid="command-error">
        {status.text}
        <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setStatus(channelId, null)}>
          <Icon name="close" size={14} />
        </button>
      </p>
    );
  }
  return null;
}
