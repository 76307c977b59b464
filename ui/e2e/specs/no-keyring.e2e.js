// Sync in the real window on a system with no Secret Service (no keyring), against the real
// server and PostgreSQL. scripts/test.sh runs this spec on its own, with a fresh data
// directory and the session bus pointed at nothing (DBUS_SESSION_BUS_ADDRESS), as on a
// desktop without gnome-keyring or KWallet. The server already holds 4,000 workshops of the
// user, so signing in starts a first sync long enough to watch its progress.
import { byTestId, fill, restartApp, shot, textOf, waitForState, waitForText } from './helpers.js';
import { SyncServer } from '../sync-server.js';

const SEEDED = 4000;
const SEEDED_TEXT = SEEDED.toLocaleString('en-US');
let server;

describe('Sync without a keyring', () => {
  before(async () => {
    server = await SyncServer.start();
    server.seedWorkshops(server.userId, SEEDED);
  });

  after(async () => {
    await server?.down().catch(() => {});
  });

  it('says plainly there is no keyring and offers to keep the token in memory for this run', async () => {
    await waitForText('sync-text', 'Not signed in');
    await byTestId('open-settings').click();
    await byTestId('settings').waitForDisplayed();
    await byTestId('server-url').setValue(server.url);
    await byTestId('token').setValue(server.token);
    await byTestId('sign-in').click();
    await byTestId('no-keyring').waitForDisplayed({ timeout: 20000 });
    await waitForText('no-keyring', 'no keyring to keep the token');
    // One primary button, the choice offered; the system's error is folded under Details.
    expect(await $$('[data-testid="settings"] button.primary').length).toBe(1);
    expect(await byTestId('no-keyring-detail').isDisplayed()).toBe(false);
    await shot('40-no-keyring');
    // No token is held, so sync has not started. (The database is bound to the account
    // already: a second try, in memory, changes nothing there.)
    expect(await byTestId('sync-status').getAttribute('data-state')).toBe('signedOut');
    await byTestId('keep-in-memory').click();
    await waitForText('settings-done', 'kept in memory until you quit');
    await byTestId('settings-close').click();
  });

  it('counts the first sync in workshops, with a bar and the time left, while the list fills, then synced', async function () {
    this.timeout(360000);
    // The list fills while the sync runs. A first sync is one streamed snapshot: each
    // workshop arrives whole, with its steps, so none says its steps are still on the way.
    let seen = '';
    try {
      await browser.waitUntil(
        async () => {
          seen = await browser.execute(() => {
            const state = document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-state');
            const rows = [...document.querySelectorAll('[data-testid="workshop-row"]')];
            return `${state} ${rows.length} ${rows.some((r) => r.textContent.includes('Steps arriving from the server'))}`;
          });
          return /^syncing [1-9]\d* (true|false)$/.test(seen);
        },
        { timeout: 60000, interval: 100 },
      );
    } catch {
      throw new Error(`no workshops listed during the first sync (state, rows, steps arriving): "${seen}"`);
    }
    expect(seen.endsWith(' false')).toBe(true);
    // Counted in workshops, the unit a facilitator knows, with a bar and the time left.
    let line = '';
    let barMax = null;
    await browser.waitUntil(
      async () => {
        [line, barMax] = await browser.execute(() => [
          document.querySelector('[data-testid="sync-text"]')?.textContent ?? '',
          document.querySelector('[data-testid="sync-bar"]')?.getAttribute('max') ?? null,
        ]);
        return /^First sync with .*about \d+ (s|min) left$/.test(line);
      },
      { timeout: 60000, timeoutMsg: `no first-sync estimate; last: "${line}"` },
    );
    expect(line).toMatch(new RegExp(`: [1-9][\\d,]* of ${SEEDED_TEXT} workshops, about`));
    const received = Number(line.match(/: ([\d,]+) of/)[1].replace(/,/g, ''));
    expect(received).toBeLessThanOrEqual(SEEDED);
    expect(barMax).toBe(String(SEEDED));
    await shot('41-first-sync-progress');
    await waitForState('idle', () => true, 240000);
    await waitForText('sync-text', `Synced with 127.0.0.1:${server.port}`);
    await fill('[data-testid="search"]', `Seeded ${SEEDED}`);
    await $(`[data-testid="workshop-row"][data-title="Seeded ${SEEDED}"]`).waitForDisplayed();
    await fill('[data-testid="search"]', '');
    await shot('42-first-sync-done');
    await byTestId('open-settings').click();
    await waitForText('settings', 'in memory for this run only');
    await byTestId('settings-close').click();
  });

  it('after a restart the token is gone: it asks to sign in again, and the workshops stay', async () => {
    await restartApp();
    await waitForState('offline');
    await waitForText('sync-text', 'sign in again');
    await waitForText('open-settings', 'Sign in');
    await shot('43-token-forgotten');
    await fill('[data-testid="search"]', `Seeded ${SEEDED}`);
    await $(`[data-testid="workshop-row"][data-title="Seeded ${SEEDED}"]`).waitForDisplayed();
    await fill('[data-testid="search"]', '');
    // Signing in again offers memory again, and sync resumes where it was.
    await byTestId('open-settings').click();
    await byTestId('token').setValue(server.token);
    await byTestId('sign-in').click();
    await byTestId('keep-in-memory').waitForDisplayed({ timeout: 20000 });
    await byTestId('keep-in-memory').click();
    await waitForText('settings-done', 'kept in memory until you quit');
    await byTestId('settings-close').click();
    await waitForState('idle', async () => (await textOf('sync-text')).startsWith('Synced'), 60000);
  });
});
