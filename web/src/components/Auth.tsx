/**
 * Log in and register. A pending invite (/invite/{code} opened while logged out) is kept across the form. When
 * the server rate-limits the attempts (429 with retry_after), the form says so and counts the wait down.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { errorText, login, loginWithCode, register } from '../session.ts';

export function AuthScreen({ mode, onSwitch, inviteCode }: { mode: 'login' | 'register'; onSwitch: (m: 'login' | 'register') => void; inviteCode?: string }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);
  const [waitUntil, setWaitUntil] = useState(0);
  const secondsLeft = useCountdown(waitUntil);
  // Set when the password was right and the account asks for a second factor.
  const [ticket, setTicket] = useState<string | null>(null);
  const [code, setCode] = useState('');

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || secondsLeft > 0) return;
    setBusy(true);
    setError(null);
    try {
      if (ticket) await loginWithCode(ticket, code.trim());
      else if (mode === 'login') {
        const second = await login(username.trim(), password);
        if (second) setTicket(second.ticket);
      } else await register(username.trim(), password, email.trim() || undefined);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        setWaitUntil(Date.now() + (err.retryAfter ?? 1) * 1000);
        return;
      }
      const tree = err instanceof ApiError ? (err.errors as Record<string, unknown> | undefined) : undefined;
      const field = tree ? Object.keys(tree).find((k) => k !== '_errors') : undefined;
      setError({ field, text: errorText(err, field) });
    } finally {
      setBusy(false);
    }
  }

  const isLogin = mode === 'login';
  if (ticket) {
    return (
      <div className="auth-page">
        <form className="auth-card" onSubmit={submit} aria-labelledby="auth-title" noValidate>
          <h1 id="auth-title">Two-factor authentication</h1>
          <p className="muted">Enter the 6-digit code from your authenticator app, or one of your backup codes.</p>
          <label>
            Authentication code
            <input name="code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={12} required autoFocus />
          </label>
          <AuthAlerts error={error} secondsLeft={secondsLeft} />
          <button className="button block" type="submit" disabled={!code.trim()} aria-disabled={busy || secondsLeft > 0}>
            {busy ? 'Please wait…' : 'Log In'}
          </button>
          <p className="muted small">
            <button type="button" className="link-button" onClick={() => { setTicket(null); setCode(''); setError(null); }}>
              Go back to login
            </button>
          </p>
        </form>
      </div>
    );
  }
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
        <AuthAlerts error={error} secondsLeft={secondsLeft} />
        {/* aria-disabled, not disabled: a button that disables itself would drop keyboard focus on <body>. */}
        <button className="button block" type="submit" disabled={!username || !password} aria-disabled={busy || secondsLeft > 0}>
          {busy ? 'Please wait…' : secondsLeft > 0 ? `Try again in ${secondsLeft}s` : isLogin ? 'Log In' : 'Register'}
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

/** The form's refusal, or the rate limit's countdown while it runs. */
function AuthAlerts({ error, secondsLeft }: { error: { text: string } | null; secondsLeft: number }) {
  if (secondsLeft > 0) {
    return (
      <p className="form-error" role="alert" data-testid="rate-limited">
        Too many attempts.{' '}
        <span role="timer" aria-live="off">
          You can try again in {secondsLeft} {secondsLeft === 1 ? 'second' : 'seconds'}.
        </span>
      </p>
    );
  }
  return error ? <p className="form-error" role="alert">{error.text}</p> : null;
}

/** Whole seconds left until `until` (ms since the epoch), updated as they pass; 0 once it is reached. */
function useCountdown(until: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until <= Date.now()) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= until) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [until]);
  return Math.max(0, Math.ceil((until - now) / 1000));
}
