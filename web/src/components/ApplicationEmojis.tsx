/**
 * The developer portal's Emojis section of an application: upload an image (PNG, JPEG, GIF or WebP up to 256 KiB)
 * with a name unique in the application, and its emoji listed with their image and markup, each renamed in place or
 * deleted. Only the application's bot may use them, in any server; the bot can also manage them through the API.
 */
import {
  createApplicationEmoji, deleteApplicationEmoji, listApplicationEmojis, MAX_APPLICATION_EMOJIS, renameApplicationEmoji, type Application,
  type ApplicationEmoji,
} from '../applications.ts';
import { EMOJI_NAME, emojiMarkup, emojiNameFrom, emojiUrl } from '../guild-emoji.ts';
import { IMAGE_ACCEPT } from './ImagePickButton.tsx';
import { ExpressionList, ExpressionUploadForm, useExpressionManager } from './ExpressionManager.tsx';

const MAX_BYTES = 256 * 1024;

export function ApplicationEmojis({ app }: { app: Application }) {
  const manager = useExpressionManager<ApplicationEmoji>(app.id, {
    nameMaxLength: 32,
    editsAll: true,
    list: () => listApplicationEmojis(app.id),
    check: (file, name) => {
      if (!IMAGE_ACCEPT.split(',').includes(file.type)) return 'Pick a PNG, JPEG, GIF or WebP image.';
      if (file.size > MAX_BYTES) return 'Emoji images can be at most 256 KB.';
      if (!EMOJI_NAME.test(name)) return 'Names are 2–32 letters, digits or underscores.';
      return '';
    },
    create: async (file, name) => {
      const { readAsDataUri } = await import('../image-data.ts');
      return createApplicationEmoji(app.id, name, await readAsDataUri(file));
    },
    rename: (emoji, name) => renameApplicationEmoji(app.id, emoji.id, name),
    remove: (emoji) => deleteApplicationEmoji(app.id, emoji.id),
    nameFrom: emojiNameFrom,
  });
  const count = manager.items?.length ?? 0;

  return (
    <section className="stack emoji-manager application-emojis" aria-label="Emojis">
      <h4>Emojis</h4>
      <p className="muted small">
        Emoji only {app.name}'s bot can use, in every server and DM, without the Use External Emoji permission. Send one as its markup, shown beside it. {count}/{MAX_APPLICATION_EMOJIS}
      </p>
      <ExpressionUploadForm
        manager={manager}
        fileId={`application-emoji-file-${app.id}`}
        fileLabel="Image"
        accept={IMAGE_ACCEPT}
        nameLabel="Emoji name"
        submitLabel="Upload Emoji"
      />
      <ExpressionList
        manager={manager}
        empty="No emoji yet."
        idAttribute="data-emoji-id"
        row={(e) => ({
          image: <img src={emojiUrl(e.id, e.animated, 32)} alt={`:${e.name}:`} width={32} height={32} />,
          shownName: `:${e.name}:`,
          nameLabel: `Name of :${e.name}:`,
          deleteLabel: `Delete :${e.name}:`,
          details: <code className="muted small">{emojiMarkup(e)}</code>,
        })}
      />
    </section>
  );
}
