/**
 * The guild's welcome screen, shown once right after the user joined through an invite (the invite page marks the
 * join), when the guild's features say it is on. Small, and part of the first screen; its editor is in
 * GuildCommunity.tsx, loaded with Server Settings.
 */
import { useEffect, useState } from 'react';
import { getWelcomeScreen, justJoined, welcomeShown, type WelcomeScreen } from '../guild-community.ts';
import { emojiUrl } from '../guild-emoji.ts';
import { navigate } from '../router.ts';
import { useStore } from '../store.ts';
import { Modal } from './Modal.tsx';

/** The guild's welcome screen, once, right after the user joined it through an invite (when it is enabled). */
export function WelcomeGate({ guildId }: { guildId: string }) {
  const guild = useStore((s) => (guildId === '@me' ? undefined : s.guilds[guildId]));
  const [screen, setScreen] = useState<WelcomeScreen | null>(null);
  useEffect(() => {
    if (!guild || !justJoined(guildId)) return;
    if (!guild.features.includes('WELCOME_SCREEN_ENABLED')) return welcomeShown(guildId);
    let live = true;
    getWelcomeScreen(guildId).then((w) => live && setScreen(w), () => welcomeShown(guildId));
    return () => {
      live = false;
    };
  }, [guildId, Boolean(guild)]);
  if (!guild || !screen) return null;
  const close = () => {
    welcomeShown(guildId);
    setScreen(null);
  };
  return (
    <Modal title={`Welcome to ${guild.name}!`} onClose={close}>
      <div className="stack welcome-screen" data-testid="welcome-screen">
        {screen.description && <p>{screen.description}</p>}
        {screen.welcome_channels.length > 0 && (
          <>
            <h3 className="small">Here are some channels to get you started</h3>
            <ul className="settings-list">
              {screen.welcome_channels.map((c) => (
                <li key={c.channel_id}>
                  <button
                    type="button"
                    className="welcome-channel"
                    onClick={() => {
                      close();
                      navigate(`/channels/${guildId}/${c.channel_id}`);
                    }}
                  >
                    {c.emoji_id ? <img src={emojiUrl(c.emoji_id, false, 24)} alt="" width={24} height={24} /> : <span aria-hidden="true">{c.emoji_name ?? '#'}</span>}{' '}
                    <span>{c.description}</span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <div className="modal-actions">
          <button type="button" className="button" onClick={close}>
            Explore the server
          </button>
        </div>
      </div>
    </Modal>
  );
}
