/**
 * The developer portal's Emojis section of an application: upload an image (PNG, JPEG, GIF or WebP up to 256 KiB)
 * with a name unique in the application, and its emoji listed with their image and markup, each renamed in place or
 * deleted. Only the application's bot may use them, in any server; the bot can also manage them through the API.
 */
import {
  createApplicationEmoji, deleteApplicationEmoji, listApplicationEmojis, MAX_APPLICATION_EMOJIS, renameApplicationEmoji, type Application,
  type ApplicationEmoji,
} from '../applications.ts';
import { emojiMarkup } from '../guild-emoji.ts';
import { useExpressionManager } from './ExpressionManager.tsx';
import { EmojiUploadAndList, emojiUploads } from './GuildEmoji.tsx';

export function ApplicationEmojis({ app }: { app: Application }) {
  const manager = useExpressionManager<ApplicationEmoji>(app.id, {
    ...emojiUploads((name, image) => createApplicationEmoji(app.id, name, image)),
    editsAll: true,
    list: () => listApplicationEmojis(app.id),
    rename: (emoji, name) => renameApplicationEmoji(app.id, emoji.id, name),
    remove: (emoji) => deleteApplicationEmoji(app.id, emoji.id),
  });
  const count = manager.items?.length ?? 0;

  return (
    <section className="stack emoji-manager application-emojis" aria-label="Emojis">
      <h4>Emojis</h4>
      <p className="muted small">
        Emoji only {app.name}'s bot can use, in every server and DM, without the Use External Emoji permission. Send one as its markup, shown beside it. {count}/{MAX_APPLICATION_EMOJIS}
      </p>
      <EmojiUploadAndList manager={manager} fileId={`application-emoji-file-${app.id}`} details={(e) => <code className="muted small">{emojiMarkup(e)}</code>} />
    </section>
  );
}
