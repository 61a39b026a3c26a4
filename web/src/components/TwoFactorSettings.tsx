/**
 * User Settings → Password & Security → Two-factor authentication: enable (scan or type the secret, then a code
 * and the password; the backup codes are shown once), new backup codes with the password, or remove with a code
 * or a backup code. Enabling and removing end every other log-in of the account and carry this tab on with a fresh
 * token (session.ts).
 */
import { useState, type FormEvent } from 'react';
import { disableTwoFactor, enableTwoFactor, errorText, regenerateBackupCodes } from '../session.ts';
import { useStore } from '../store.ts';
import { groupedSecret, newTwoFactorSecret, otpauthUrl } from '../two-factor.ts';

export function TwoFactorSettings() {
  const me = useStore((s) => s.me);
  const [secret, setSecret] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  // Backup codes just made, with what to say above them.
  const [backupCodes, setBackupCodes] = useState<{ codes: string[]; note: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!me) return null;

  const run = async (e: FormEvent, fn: () => Promise<void>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await fn();
      setCode('');
      setPassword('');
    } catch (err) {
      setError(errorText(err, 'password'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="stack" aria-label="Two-factor authentication">
      <h3>Two-factor authentication</h3>
      {backupCodes ? (
        <>
          <p className="form-ok" role="status">{backupCodes.note}</p>
          <p>Keep these backup codes somewhere safe: each logs you in once if you lose your authenticator. They are not shown again.</p>
          <ul className="backup-codes" aria-label="Backup codes">
            {backupCodes.codes.map((c) => <li key={c}>{c}</li>)}
          </ul>
          <div className="modal-actions">
            <button type="button" className="button" onClick={() => setBackupCodes(null)}>Done</button>
          </div>
        </>
      ) : me.mfa_enabled ? (
        <>
        <p className="muted">Logging in takes a code from your authenticator app.</p>
        <form className="row wrap" aria-label="New backup codes" onSubmit={(e) => void run(e, async () => setBackupCodes({ codes: await regenerateBackupCodes(password), note: 'New backup codes: the old ones no longer work.' }))}>
          <label className="grow">
            Password
            <input name="codes-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </label>
          <button type="submit" className="button secondary" disabled={busy || !password}>Regenerate Backup Codes</button>
        </form>
        <form className="stack" aria-label="Remove two-factor authentication" onSubmit={(e) => void run(e, () => disableTwoFactor(code.trim()))}>
          <label>
            Code or backup code
            <input name="mfa-code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={12} required />
          </label>
          {error && <p className="form-error" role="alert">{error}</p>}
          <div className="modal-actions">
            <button type="submit" className="button danger" disabled={busy || !code.trim()}>Remove 2FA</button>
          </div>
        </form>
        </>
      ) : secret ? (
        <form className="stack" aria-label="Enable two-factor authentication" onSubmit={(e) => void run(e, async () => setBackupCodes({ codes: await enableTwoFactor(secret, code.trim(), password), note: 'Two-factor authentication is on. Every other device was logged out.' }))}>
          <p>Add this key to an authenticator app (or open the link on the device that has it), then enter the code it shows.</p>
          <code className="two-factor-secret" aria-label="Secret key">{groupedSecret(secret)}</code>
          <a href={otpauthUrl(secret, me.username)}>Open in an authenticator app</a>
          <label>
            6-digit code
            <input name="mfa-code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={6} required />
          </label>
          <label>
            Password
            <input name="mfa-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </label>
          {error && <p className="form-error" role="alert">{error}</p>}
          <div className="modal-actions">
            <button type="button" className="button secondary" onClick={() => setSecret(null)}>Cancel</button>
            <button type="submit" className="button" disabled={busy || !code.trim() || !password}>Activate</button>
          </div>
        </form>
      ) : (
        <div className="stack">
          <p className="muted">Protect your account with a code from an authenticator app each time you log in.</p>
          <div>
            <button type="button" className="button" onClick={() => setSecret(newTwoFactorSecret())}>Enable Two-Factor Auth</button>
          </div>
        </div>
      )}
    </section>
  );
}
