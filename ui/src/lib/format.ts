import type { StepStatus } from './bindings/StepStatus';
import type { WorkshopStatus } from './bindings/WorkshopStatus';

export const STEP_STATUS_LABEL: Record<StepStatus, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  complete: 'Complete',
  needs_regeneration: 'Needs regeneration',
};

export const WORKSHOP_STATUS_LABEL: Record<WorkshopStatus, string> = {
  draft: 'Draft',
  active: 'Active',
  paused: 'Paused',
  completed: 'Completed',
};

/** "3 Nov 2026, 14:05" in the user's locale. */
export function when(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** 50000 → "50,000". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Characters as the core counts them: Unicode scalar values, not UTF-16 units. */
export function chars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** 50,000 characters: the notes cap of the original server API (also enforced by the core). */
export const NOTE_MAX = 50_000;
/** The counter turns to a warning from here. */
export const NOTE_WARN = 45_000;
