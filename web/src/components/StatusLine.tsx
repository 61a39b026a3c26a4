/** A form's outcome under it: an error (announced as an alert) or a confirmation (a polite status). */
export type Status = { ok?: string; error?: string };

export function StatusLine({ status, id }: { status: Status; id?: string }) {
  return (
    <>
      {status.error && <p className="form-error" role="alert" id={id}>{status.error}</p>}
      {status.ok && <p className="form-ok" role="status">{status.ok}</p>}
    </>
  );
}
