import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { installEmojiFont } from './emoji-font.ts';
import { installFocusKeeper } from './focus.ts';
import { installPushOpen } from './push-open.ts';
import { savedToken, startSession } from './session.ts';
import { installFileDropGuard } from './upload.ts';
import './styles.css';

installFocusKeeper();
installEmojiFont();
installFileDropGuard();
const token = savedToken();
if (token) startSession(token);
installPushOpen();
createRoot(document.getElementById('root')!).render(<App />);
