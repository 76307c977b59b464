// What the session and series dialogs share: a problem with its field, and saving through
// the core with the refusal kept under the field it names.
import { fieldOf, messageOf } from './api';

/** A form's problem: the field it is about (`''` for none) and the rule in words. */
export type Problem = { field: string; text: string };

/** The problem a failed command gives: the field the core names with its rule, else the
 * message alone. */
export function problemOf(e: unknown): Problem {
  return fieldOf(e) ?? { field: '', text: messageOf(e) };
}

/** A dialog's save: `busy` while the command runs, and the core's refusal (`problem`) kept
 * until the user edits again (`clear`). */
export class Saving {
  busy = $state(false);
  problem = $state<Problem | null>(null);

  /** Runs `action`; true when it succeeded, else its problem is kept. */
  async run(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    try {
      await action();
      return true;
    } catch (e) {
      this.problem = problemOf(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Editing again makes the last refusal stale. */
  clear(): void {
    this.problem = null;
  }
}
