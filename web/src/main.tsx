import { createRoot } from 'react-dom/client';
import { App } from './components/App.tsx';
import { savedToken, startSession } from './session.ts';
import './styles.css';

const token = savedToken();
if (token) startSession(token);
createRoot(document.getElementById('root')!).render(<App />);
