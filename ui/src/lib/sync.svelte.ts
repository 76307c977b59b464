// Background sync as the UI sees it: the latest status and a counter of pulled rounds,
// kept up to date by the Rust side's events (src-tauri/src/lib.rs). Components read
// `sync.status` and react to `sync.pulled` to refresh what they show.
import { listen } from '@tauri-apps/api/event';
import { untrack } from 'svelte';
import { api, SYNC_PULLED_EVENT, SYNC_STATUS_EVENT } from './api';
import type { SyncStatus } from './bindings/SyncStatus';

export const sync = $state({
  status: null as SyncStatus | null,
  /** Bumped each time a round changed workshops. */
  pulled: 0,
  /** The workshops the last such round changed. */
  pulledIds: [] as string[],
});

let watching = false;

/** Subscribes to the sync events once, then reads the current status. */
export async function watchSync(): Promise<void> {
  if (watching) return;
  watching = true;
  await listen<SyncStatus>(SYNC_STATUS_EVENT, (e) => {
    sync.status = e.payload;
  });
  await listen<string[]>(SYNC_PULLED_EVENT, (e) => {
    sync.pulledIds = e.payload;
    sync.pulled += 1;
  });
  sync.status = await api.syncStatus();
}

/** Calls `refresh` after each sync round that changed workshops: any, or only the one
 * `workshop()` names. Call while a component is set up (it makes an effect); `refresh` runs
 * untracked, so what it reads does not re-run the effect. */
export function onPulled(refresh: () => void, workshop?: () => string): void {
  let seen = sync.pulled;
  $effect(() => {
    if (sync.pulled === seen) return;
    seen = sync.pulled;
    const id = workshop?.();
    if (id === undefined || sync.pulledIds.includes(id)) untrack(refresh);
  });
}

/** "sync.example.org" from "https://sync.example.org/api". */
export function host(url: string | null): string {
  if (!url) return 'the server';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** "just now", "5 min ago", "3 h ago", or a date. */
export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export const OFFLINE_REASON: Record<string, string> = {
  unreachable: 'server unreachable',
  signInExpired: 'sign-in expired',
  keyring: 'no keyring to read the token from (sign in again)',
  keyringLocked: 'the keyring is locked (unlock it, then Sync now)',
  server: 'server error',
  incompatible: 'server needs an update',
  storage: 'database error',
};

/** Whether sync waits for the user to sign in (again): no account, a refused token, or no
 * keyring to read the token from (one kept in memory is gone after a restart). A locked
 * keyring is not one: unlocking it and Sync now are enough. */
export function needsSignIn(status: SyncStatus | null): boolean {
  const phase = status?.phase;
  if (!status?.serverUrl || !phase || phase.state === 'signedOut') return true;
  return phase.state === 'offline' && (phase.reason === 'signInExpired' || phase.reason === 'keyring');
}
