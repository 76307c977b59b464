// Undo for the changes a user may regret at once: moving a workshop to the trash, cancelling
// a session, removing a member, resolving a conflict. The toast offers it for a while; Ctrl+Z (outside a text field, where it undoes
// typing) does the same. An undo is a change like any other (restore the workshop, share
// again with the same role, reopen the conflict): applied and queued by the core, so it syncs.

/** How long the toast offers the undo: 20 s. */
const OFFERED_MS = 20_000;

type Offer = { id: number; message: string; undo: () => Promise<unknown> };

export const undo = $state<{ offer: Offer | null; error: string | null; busy: boolean; changed: number }>({
  offer: null,
  error: null,
  busy: false,
  /** Bumped after an undo, for views to load what it changed. */
  changed: 0,
});

let seq = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Offers `run` as the undo of what `message` says was done ("Moved “PawPal” to the trash."). */
export function offerUndo(message: string, run: () => Promise<unknown>): void {
  clearTimeout(timer);
  const offer = { id: ++seq, message, undo: run };
  undo.offer = offer;
  undo.error = null;
  timer = setTimeout(() => {
    if (undo.offer?.id === offer.id) undo.offer = null;
  }, OFFERED_MS);
}

/** Runs the offered undo, if any. */
export async function runUndo(): Promise<void> {
  const offer = undo.offer;
  if (!offer || undo.busy) return;
  undo.busy = true;
  try {
    await offer.undo();
    undo.offer = null;
    undo.changed++;
  } catch (e) {
    undo.error = e instanceof Error ? e.message : String(e);
  } finally {
    undo.busy = false;
  }
}

export function dismissUndo(): void {
  undo.offer = null;
  undo.error = null;
}

/** Ctrl+Z outside text fields runs the offered undo. */
export function onUndoKey(e: KeyboardEvent): void {
  if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z' || e.shiftKey) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || (t instanceof HTMLElement && t.isContentEditable)) return;
  if (!undo.offer) return;
  e.preventDefault();
  void runUndo();
}
