// The user's preferences (app menu → Preferences): theme, clock format and list density.
// Kept in the webview's localStorage: they describe this window, not a workshop, and do not
// sync. Applied to <html> as data attributes that app.css reads; the clock is read by the
// one time formatter (format.ts).

export type Theme = 'system' | 'light' | 'dark';
/** `system`: the locale's own clock; else 12- or 24-hour whatever the locale. */
export type ClockChoice = 'system' | '12' | '24';
export type Density = 'comfortable' | 'compact';

export interface Preferences {
  theme: Theme;
  clock: ClockChoice;
  density: Density;
}

const KEY = 'workshoppilot.preferences';
const DEFAULTS: Preferences = { theme: 'system', clock: 'system', density: 'comfortable' };

function load(): Preferences {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Preferences>;
    return {
      theme: ['system', 'light', 'dark'].includes(stored.theme ?? '') ? stored.theme! : DEFAULTS.theme,
      clock: ['system', '12', '24'].includes(stored.clock ?? '') ? stored.clock! : DEFAULTS.clock,
      density: ['comfortable', 'compact'].includes(stored.density ?? '') ? stored.density! : DEFAULTS.density,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export const preferences = $state<Preferences>(load());

/** Puts the theme and density on <html> (app.css: `data-theme`, `data-density`). */
export function applyPreferences(): void {
  const root = document.documentElement;
  if (preferences.theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = preferences.theme;
  root.dataset.density = preferences.density;
}

/** Changes one preference, keeps it, and applies it at once. */
export function setPreference<K extends keyof Preferences>(key: K, value: Preferences[K]): void {
  preferences[key] = value;
  localStorage.setItem(KEY, JSON.stringify(preferences));
  applyPreferences();
}
