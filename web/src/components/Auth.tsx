/** Log in and register. A pending invite (/invite/{code} opened while logged out) is kept across the form. */
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { errorText, login, register } from '../session.ts';

export function AuthScreen({ mode, onSwitch, inviteCode }: { mode: 'login' | 'register'; onSwitch: (m: 'login' | 'register') => void; inviteCode?: string }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'login') await login(username.trim(), password);
      else await register(username.trim(), password, email.trim() || undefined);
    } catch (err) {
      const tree = err instanceof ApiError ? (err.errors as Record<string, unknown> | undefined) : undefined;
      const field = tree ? Object.keys(tree).find((k) => k !== '_errors') : undefined;
      setError({ field, text: errorText(err, field) });
    } finally {
      setBusy(false);
    }
  }

  const isLogin = mode === 'login';
  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby="auth-title" noValidate>
        <h1 id="auth-title">{isLogin ? 'Welcome back!' : 'Create an account'}</h1>
        <p className="muted">{inviteCode ? 'Log in or register to accept your invite.' : isLogin ? "We're so excited to see you again!" : 'Join the conversation on Accord.'}</p>
        <label>
          {isLogin ? 'Username or email' : 'Username'}
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            aria-invalid={error?.field === 'username' || error?.field === 'login'}
            autoFocus
          />
        </label>
        {!isLogin && (
          <label>
            Email <span className="muted">(optional)</span>
            <input name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={error?.field === 'email'} />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={isLogin ? 'current-password' : 'new-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={isLogin ? 1 : 8}
            aria-invalid={error?.field === 'password'}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error.text}
          </p>
        )}
        <button className="button block" type="submit" disabled={busy || !username || !password}>
          {busy ? 'Please wait…' : isLogin ? 'Log In' : 'Register'}
        </button>
        <p className="muted small">
          {isLogin ? 'Need an account? ' : 'Already have an account? '}
          <button type="button" className="link-button" onClick={() => onSwitch(isLogin ? 'register' : 'login')}>
            {isLogin ? 'Register' : 'Log In'}
          </button>
        </p>
      </form>
    </div>
  );
}
