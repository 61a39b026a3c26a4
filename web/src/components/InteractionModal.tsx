/**
 * A modal an application shows (INTERACTION_MODAL_CREATE, interaction-modals.ts), drawn as Discord's client draws
 * it: the title, then each text input with its label (and a label component's description), short (style 1) as
 * a line, paragraph (style 2) as a box, with placeholder, pre-filled value, required mark and length limits.
 * Submit sends MODAL_SUBMIT (interactions.ts); when the application does not answer the modal stays open and says
 * "The application did not respond" (Discord's client words for an unanswered modal submit or command). Cancel,
 * Escape and the backdrop close it without sending anything, as on Discord.
 */
import { useState } from 'react';
import { closeInteractionModal, useInteractionModal } from '../interaction-modals.ts';
import { submitInteractionModal } from '../interactions.ts';
import type { InteractionModal as ModalData, TextInputComponent } from '../types.ts';
import { Modal } from './Modal.tsx';

const PARAGRAPH = 2;

/** Mounted once in the shell: shows the modal of the moment, if any. */
export function InteractionModalHost() {
  const modal = useInteractionModal();
  // Keyed by the modal's id: a new modal starts with its own values.
  return modal ? <InteractionModalDialog key={modal.id} modal={modal} /> : null;
}

interface Field {
  input: TextInputComponent;
  label: string;
  description?: string;
}

/** The text inputs of the modal, in order, from action rows (type 1) and label components (type 18). */
function fieldsOf(modal: ModalData): Field[] {
  const out: Field[] = [];
  for (const row of Array.isArray(modal.components) ? modal.components : []) {
    if (row.type === 1 && Array.isArray(row.components)) {
      for (const c of row.components as TextInputComponent[]) if (c?.type === 4) out.push({ input: c, label: c.label ?? '' });
    } else if (row.type === 18) {
      const r = row as { label?: string; description?: string; component?: TextInputComponent };
      if (r.component?.type === 4) out.push({ input: r.component, label: r.label ?? r.component.label ?? '', description: r.description });
    }
  }
  return out;
}

function InteractionModalDialog({ modal }: { modal: ModalData }) {
  const fields = fieldsOf(modal);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.input.custom_id, f.input.value ?? ''])));
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const close = () => closeInteractionModal(modal);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailed(false);
    const ok = await submitInteractionModal(modal, values);
    setBusy(false);
    if (ok) close();
    else setFailed(true);
  }

  return (
    <Modal title={modal.title} onClose={close}>
      <form className="stack interaction-modal" onSubmit={(e) => void submit(e)}>
        {fields.map(({ input, label, description }) => {
          const id = `modal-${modal.id}-${input.custom_id}`;
          const common = {
            id,
            value: values[input.custom_id] ?? '',
            placeholder: input.placeholder,
            // Discord's default: a text input is required unless it says otherwise.
            required: input.required !== false,
            minLength: input.min_length,
            maxLength: input.max_length,
            onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setValues((v) => ({ ...v, [input.custom_id]: e.target.value })),
          };
          return (
            <div key={input.custom_id} className="modal-field">
              <label htmlFor={id}>
                <span>
                  {label}
                  {common.required && <span className="required-mark" aria-hidden="true"> *</span>}
                </span>
              </label>
              {description && <p className="small muted modal-field-description">{description}</p>}
              {input.style === PARAGRAPH ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
            </div>
          );
        })}
        {failed && (
          <p className="form-error" role="alert">
            The application did not respond
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="button secondary" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy} aria-busy={busy || undefined}>
            Submit
          </button>
        </div>
      </form>
    </Modal>
  );
}
