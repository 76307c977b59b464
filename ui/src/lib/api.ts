// Typed calls to the app's Tauri commands. Every type here is generated from Rust (bindings/).
import { invoke } from '@tauri-apps/api/core';
import type { AppError } from './bindings/AppError';
import type { AppInfo } from './bindings/AppInfo';
import type { BuildPackPreview } from './bindings/BuildPackPreview';
import type { ErrorCode } from './bindings/ErrorCode';
import type { Exported } from './bindings/Exported';
import type { FieldError } from './bindings/FieldError';
import type { Member } from './bindings/Member';
import type { Person } from './bindings/Person';
import type { Note } from './bindings/Note';
import type { StepSchema } from './bindings/StepSchema';
import type { Workshop } from './bindings/Workshop';
import type { WorkshopDetail } from './bindings/WorkshopDetail';
import type { WorkshopStep } from './bindings/WorkshopStep';
import type { WorkshopSummary } from './bindings/WorkshopSummary';
import type { JsonValue } from './bindings/serde_json/JsonValue';
import type { ConflictItem } from './bindings/ConflictItem';
import type { Rejection } from './bindings/Rejection';
import type { Resolution } from './bindings/Resolution';
import type { SignedIn } from './bindings/SignedIn';
import type { SignedOut } from './bindings/SignedOut';
import type { SyncStatus } from './bindings/SyncStatus';
import type { AgendaItem } from './bindings/AgendaItem';
import type { SeriesForm } from './bindings/SeriesForm';
import type { SeriesPreview } from './bindings/SeriesPreview';
import type { SessionForm } from './bindings/SessionForm';
import type { WorkshopSchedule } from './bindings/WorkshopSchedule';

/** A command that failed: `code` is what to branch on, `message` what to show. */
export class CommandError extends Error {
  code: ErrorCode;
  fields: FieldError[];
  constructor(e: AppError) {
    super(e.message);
    this.code = e.code;
    this.fields = e.fields;
  }
}

function isAppError(e: unknown): e is AppError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isAppError(e)) throw new CommandError(e);
    throw new CommandError({ code: 'storage', message: String(e), fields: [] });
  }
}

export const api = {
  appInfo: () => call<AppInfo>('app_info'),
  stepSchemas: () => call<StepSchema[]>('step_schemas'),
  listWorkshops: (trash: boolean, search: string | null) => call<WorkshopSummary[]>('list_workshops', { trash, search }),
  createWorkshop: (title: string | null) => call<WorkshopDetail>('create_workshop', { title }),
  importWorkshop: () => call<WorkshopDetail | null>('import_workshop'),
  openSample: () => call<WorkshopDetail>('open_sample'),
  getWorkshop: (id: string) => call<WorkshopDetail>('get_workshop', { id }),
  renameWorkshop: (id: string, title: string) => call<Workshop>('rename_workshop', { id, title }),
  deleteWorkshop: (id: string) => call<Workshop>('delete_workshop', { id }),
  restoreWorkshop: (id: string) => call<Workshop>('restore_workshop', { id }),
  startStep: (id: string, step: string) => call<WorkshopDetail>('start_step', { id, step }),
  completeStep: (id: string, step: string) => call<WorkshopDetail>('complete_step', { id, step }),
  advanceStep: (id: string, step: string) => call<WorkshopDetail>('advance_step', { id, step }),
  reviseStep: (id: string, step: string) => call<WorkshopDetail>('revise_step', { id, step }),
  /** `startedFrom`: the output the editor showed when the user began (null: none yet), so a
   * partner's change that arrived meanwhile is merged, not overwritten. */
  saveStepOutput: (id: string, step: string, output: JsonValue, startedFrom?: JsonValue | null) =>
    call<WorkshopStep>('save_step_output', { id, step, output, startedFrom: startedFrom === undefined ? null : { output: startedFrom } }),
  completeWorkshop: (id: string) => call<Workshop>('complete_workshop', { id }),
  getNote: (id: string, step: string | null) => call<Note | null>('get_note', { id, step }),
  /** `startedFrom`: the text the editor showed when the user began, so another device's
   * change that arrived meanwhile is merged by line, not put back. */
  saveNote: (id: string, step: string | null, content: string, startedFrom?: string) =>
    call<Note>('save_note', { id, step, content, startedFrom: startedFrom ?? null }),
  buildPackPreview: (id: string) => call<BuildPackPreview>('build_pack_preview', { id }),
  exportBuildPack: (id: string, format: 'md' | 'html' | 'json', kind: string, includeNotes: boolean) =>
    call<Exported | null>('export_build_pack', { id, format, kind, includeNotes }),
  uiPainted: (workshops: number) => call<void>('ui_painted', { workshops }),
  listMembers: (id: string) => call<Member[]>('list_members', { id }),
  shareWorkshop: (id: string, userId: string, role: 'editor' | 'viewer') =>
    call<Member[]>('share_workshop', { id, userId, role }),
  unshareWorkshop: (id: string, userId: string) => call<Member[]>('unshare_workshop', { id, userId }),
  /** People on the server whose name contains `query` (3+ characters), at most 20. */
  findPeople: (query: string) => call<Person[]>('find_people', { query }),
  syncStatus: () => call<SyncStatus>('sync_status'),
  syncNow: () => call<void>('sync_now'),
  signIn: (serverUrl: string, token: string, keepInMemory: boolean) =>
    call<SignedIn>('sign_in', { serverUrl, token, keepInMemory }),
  signOut: () => call<SignedOut>('sign_out'),
  listConflicts: () => call<ConflictItem[]>('list_conflicts'),
  resolveConflict: (id: string, resolution: Resolution) => call<void>('resolve_conflict', { id, resolution }),
  /** Undo of a resolution: the conflict opens again, and the value goes back to theirs if it
   * still is `kept`, what the resolution wrote (null when it took theirs). */
  reopenConflict: (id: string, kept: JsonValue | null) => call<void>('reopen_conflict', { id, kept }),
  listRejections: () => call<Rejection[]>('list_rejections'),
  dismissRejection: (id: number) => call<void>('dismiss_rejection', { id }),
  /** Sends a refused note, title or step output again with an edited value. */
  resendRejection: (id: number, value: JsonValue) => call<void>('resend_rejection', { id, value }),
  decideHeldDeletes: (apply: boolean) => call<number>('decide_held_deletes', { apply }),
  // Scheduling (src-tauri/src/schedule.rs). Listing rolls the series' horizon forward first.
  getSchedule: (id: string) => call<WorkshopSchedule>('get_schedule', { id }),
  agenda: () => call<AgendaItem[]>('agenda'),
  previewSeries: (form: SeriesForm) => call<SeriesPreview>('preview_series', { form }),
  timeZones: () => call<string[]>('time_zones'),
  createSession: (id: string, form: SessionForm) => call<WorkshopSchedule>('create_session', { id, form }),
  updateSession: (id: string, sessionId: string, form: SessionForm) => call<WorkshopSchedule>('update_session', { id, sessionId, form }),
  cancelSession: (id: string, sessionId: string) => call<WorkshopSchedule>('cancel_session', { id, sessionId }),
  restoreSession: (id: string, sessionId: string) => call<WorkshopSchedule>('restore_session', { id, sessionId }),
  createSeries: (id: string, form: SeriesForm) => call<WorkshopSchedule>('create_series', { id, form }),
  /** "This one and all that follow" from `fromSessionId`; the whole series from now on when null. */
  cancelSeries: (id: string, seriesId: string, fromSessionId: string | null) =>
    call<WorkshopSchedule>('cancel_series', { id, seriesId, fromSessionId }),
  /** Splits the series: the past stays, a new series continues with the form. */
  reviseSeries: (id: string, seriesId: string, form: SeriesForm) =>
    call<WorkshopSchedule>('revise_series', { id, seriesId, form }),
  /** Asks where to save (native dialog) and writes the .ics of a series or a single
   * session; null when the user cancelled. */
  exportCalendar: (id: string, seriesId: string | null, sessionId: string | null) =>
    call<Exported | null>('export_calendar', { id, seriesId, sessionId }),
};

/** Background sync's events (emitted by Rust, see src-tauri/src/lib.rs). */
export const SYNC_STATUS_EVENT = 'sync-status';
/** Payload: the ids of the workshops a sync round changed. */
export const SYNC_PULLED_EVENT = 'sync-pulled';

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What a failed command says to a person: a `summary` in the user's words (by the error's
 * code), and the core's own message as `detail`, for a "Details" disclosure (null when
 * the summary already is it). A plain string is its own summary. */
export function explain(e: unknown): { summary: string; detail: string | null } {
  if (!(e instanceof CommandError)) return { summary: messageOf(e), detail: null };
  const detail = `${e.code}: ${e.message}`;
  const said: Partial<Record<ErrorCode, string>> = {
    not_found: 'This is no longer here: it was removed, perhaps on another device.',
    forbidden: 'Your role on this workshop does not allow that.',
    storage: 'The change could not be written to this computer’s database; nothing else was changed.',
    conflict: 'Someone changed this at the same time; your copy now shows theirs.',
  };
  const summary =
    said[e.code] ??
    // Each broken rule in its field's words, as the domain phrases them for people.
    (e.fields.length > 0 ? e.fields.map((f) => f.message).join('. ') : e.message.replace(/^./, (c) => c.toUpperCase()));
  return { summary, detail };
}

/** The field an `invalid_input` error names and its rule, from the error's `fields` (the
 * domain gives each broken rule with its field as data; the message is only for people). */
export function fieldOf(e: unknown): { field: string; text: string } | null {
  if (!(e instanceof CommandError) || e.code !== 'invalid_input') return null;
  const first = e.fields[0];
  return first ? { field: first.path, text: first.message } : null;
}
