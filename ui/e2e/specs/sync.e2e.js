// Sync in the real window against the real server and PostgreSQL, with the token in a real
// gnome-keyring (scripts/test.sh runs the window tests under dbus-run-session). Runs after
// workshop.e2e.js, on its data directory: the PawPal workshop made there is adopted at
// sign-in. The CLI plays another desktop of the same user.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { byTestId, clickFresh, fill, openWorkshop, pending, restartApp, selectStep, shot, textOf, waitForState, waitForText } from './helpers.js';
import { CliClient, keyringToken, SyncServer } from '../sync-server.js';

let server;
let cli;

describe('Sync in the window', () => {
  before(async () => {
    server = await SyncServer.start();
    cli = new CliClient(server);
  });

  after(async () => {
    await server?.down().catch(() => {});
  });

  it('says it is not signed in, then signs in through settings with the token in the keyring', async () => {
    await waitForText('sync-text', 'Not signed in');
    await byTestId('open-settings').click();
    await byTestId('settings').waitForDisplayed();
    await byTestId('server-url').setValue(server.url);
    await byTestId('token').setValue(server.token);
    await shot('20-sign-in');
    await byTestId('sign-in').click();
    await byTestId('settings-done').waitForDisplayed({ timeout: 20000 });
    await waitForText('settings-done', 'kept in the system keyring');
    await clickFresh('settings-close');
    await waitForState('idle', async () => (await pending()) === 0);
    await waitForText('sync-text', `Synced with 127.0.0.1:${server.port}`);
    // The server's event stream is open: another device's change comes at once.
    await waitForText('sync-text', '· Live');
    await shot('21-synced');
    expect(keyringToken(server.url)).toBe(server.token);
    // PawPal, made before signing in, is on the server now, as Ada's.
    expect(server.sql("SELECT count(*) FROM workshops WHERE title = 'PawPal'")).toBe('1');
  });

  it('is still signed in after a restart', async () => {
    await restartApp();
    await waitForState('idle');
    await waitForText('sync-text', 'Synced with');
  });

  it('shows offline with the waiting changes while the server is down, and syncs when it is back', async () => {
    await server.down();
    await byTestId('new-title').setValue('Made while offline');
    await byTestId('create').click(); // opens the new workshop
    await byTestId('step-editor').waitForDisplayed();
    await byTestId('back').click();
    await waitForState('offline', async () => (await pending()) >= 1);
    await waitForText('sync-text', 'Offline: server unreachable');
    expect(await textOf('sync-pending')).toMatch(/\d+ changes? waiting/);
    await shot('22-offline');
    await server.up();
    await waitForState('idle', async () => (await pending()) === 0);
    expect(server.sql("SELECT count(*) FROM workshops WHERE title = 'Made while offline'")).toBe('1');
    await shot('23-back-online');
  });

  it('brings another client\'s change into the open workshop while a note is typed, keeping every keystroke', async () => {
    cli.login();
    cli.sync();
    await openWorkshop('PawPal');
    await byTestId('notes-workshop').click();
    const selector = '[data-testid="note-editor"][data-scope="workshop"] textarea';
    const note = await $(selector);
    await note.waitForEnabled();
    const before = await note.getValue();
    // The caret at the end of the note, as after clicking below its text.
    await browser.execute((sel) => {
      const el = document.querySelector(sel);
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
    }, selector);
    const typed = ' Typing while another device renames the workshop.';
    // Key by key (WebKitWebDriver drops spaces from a fast burst of keys): part of the text,
    // then the other device's change arrives, then the rest, about 4 s of typing in which
    // the idle round (2 s) lands.
    const type = async (text) => {
      for (const ch of text) {
        await browser.keys([ch]);
        await browser.pause(80);
      }
    };
    await type(typed.slice(0, 25));
    cli.ok(['rename', 'PawPal', 'PawPal (renamed on the laptop)']);
    cli.sync();
    await type(typed.slice(25));
    await waitForText('workshop-title', 'renamed on the laptop');
    await expect(note).toHaveValue(before + typed);
    await $('[data-testid="note-status"][data-state="saved"]').waitForExist({ timeout: 10000 });
    await shot('24-pulled-while-typing');
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    const shown = cli.ok(['note', 'show', 'PawPal (renamed on the laptop)']).stdout;
    expect(shown).toContain(before + typed);
    await byTestId('back').click();
  });

  it('merges a field another device changed while the step form was open, instead of putting it back', async () => {
    const title = 'PawPal (renamed on the laptop)';
    await openWorkshop(title);
    await selectStep('persona');
    const field = (name) => $(`[data-testid="step-editor"] :is(input, textarea)[data-path="${name}"]`);
    await field('quote').waitForDisplayed();
    const quoteBefore = await field('quote').getValue();
    // The other device changes the quote while this form is open, and this one pulls it.
    cli.sync();
    const output = JSON.parse(cli.ok(['step', 'output', title, 'persona']).stdout);
    output.quote = 'Changed on the laptop';
    const file = path.join(os.tmpdir(), `persona-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(output));
    cli.ok(['step', 'set-output', title, 'persona', file]);
    cli.sync();
    // Nothing unsaved here: with no click, the server's poke brings it into the open form
    // within a second, marked.
    const pushed = Date.now();
    await browser.waitUntil(async () => (await field('quote').getValue()) === 'Changed on the laptop', {
      timeout: 10000,
      interval: 50,
      timeoutMsg: 'the other device\'s change never reached the open form',
    });
    const arrived = Date.now() - pushed;
    console.log(`another device's change reached the open form in ${arrived} ms`);
    expect(arrived).toBeLessThan(1000);
    await expect($('[data-testid="step-editor"] .field[data-path="quote"] [data-testid="field-changed"]')).toHaveText('Changed on another device');
    await shot('24b-changed-on-another-device');
    expect(quoteBefore).not.toBe('Changed on the laptop');
    // Again, while the role is being typed here: the form keeps what is typed, and the save,
    // made from what the form showed, merges the laptop's quote in instead of putting the
    // old one back.
    output.quote = 'Changed again on the laptop';
    writeFileSync(file, JSON.stringify(output));
    cli.ok(['step', 'set-output', title, 'persona', file]);
    cli.sync();
    await field('role').setValue('Product lead');
    await byTestId('sync-now').click().catch(() => {}); // may be mid-round already
    await expect(byTestId('save-status')).toHaveText(expect.stringContaining('Saved'));
    await waitForState('idle', async () => (await pending()) === 0);
    await expect(field('role')).toHaveValue('Product lead');
    await expect(field('quote')).toHaveValue('Changed again on the laptop');
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    const merged = JSON.parse(cli.ok(['step', 'output', title, 'persona']).stdout);
    expect([merged.role, merged.quote]).toEqual(['Product lead', 'Changed again on the laptop']);
    await byTestId('back').click();
  });

  it('resolves a conflict made by two clients from the conflicts view, and it clears on the other client', async () => {
    const title = 'Made while offline';
    await openWorkshop(title);
    await byTestId('notes-workshop').click();
    const selector = '[data-testid="note-editor"][data-scope="workshop"] textarea';
    await $(selector).waitForEnabled();
    await fill(selector, 'Interviews on Monday');
    await $(selector).click();
    await byTestId('back').click(); // leaving saves the note
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    // Both change the same line from the same text: the app first, the CLI second.
    cli.ok(['note', 'set', title, '--text', 'Interviews on Wednesday']);
    await openWorkshop(title);
    await byTestId('notes-workshop').click();
    await $(selector).waitForEnabled();
    await fill(selector, 'Interviews on Tuesday');
    await byTestId('back').click();
    await waitForState('idle', async () => (await pending()) === 0);
    const r = cli.sync([7]);
    expect(r.status).toBe(7); // the CLI's change lost: a conflict
    await byTestId('sync-conflicts').waitForDisplayed({ timeout: 20000 });
    await waitForText('sync-conflicts', '1 conflict');
    // The dot takes the worst current state: a conflict waiting outranks "Synced".
    expect(await byTestId('sync-status').getAttribute('data-health')).toBe('attention');
    // The workshop it is on says so in the list.
    await $('[data-testid="workshop-row"] [data-testid="row-sync-issue"]').waitForDisplayed();
    await shot('25-conflict-in-status');
    await byTestId('sync-conflicts').click();
    const conflict = await $('[data-testid="conflict"][data-kind="note"]');
    await conflict.waitForDisplayed();
    await expect(conflict).toHaveText(expect.stringContaining('Wednesday'));
    await expect(conflict).toHaveText(expect.stringContaining('Tuesday'));
    // It names who made the live value, from which device, and when: the app's own push.
    await expect(conflict.$('[data-testid="conflict-by"]')).toHaveText(expect.stringMatching(/^Changed by Ada on \S+, (just now|\d+ min ago)$/));
    await shot('26-conflicts-view');
    await conflict.$('[data-testid="keep-mine"]').click();
    await byTestId('no-issues').waitForDisplayed({ timeout: 15000 });
    // A resolution can be taken back: the conflict is open again, then kept for good.
    await waitForText('undo-toast', 'Kept your version of workshop note.');
    await byTestId('undo').click();
    await $('[data-testid="conflict"][data-kind="note"]').waitForDisplayed({ timeout: 15000 });
    await waitForState('idle', async () => (await pending()) === 0);
    expect(server.sql("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL")).toBe('1');
    await $('[data-testid="conflict"][data-kind="note"] [data-testid="keep-mine"]').click();
    await byTestId('no-issues').waitForDisplayed({ timeout: 15000 });
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    const listed = cli.ok(['conflicts', 'list']).stdout;
    expect(listed).not.toContain('Wednesday');
    expect(server.sql("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL")).toBe('0');
    expect(cli.ok(['note', 'show', title]).stdout).toContain('Interviews on Wednesday');
    await byTestId('issues-back').click();
  });

  it('asks before a mass delete from another client, and cancelling deletes nothing', async () => {
    const titles = Array.from({ length: 20 }, (_, i) => `Batch ${String(i + 1).padStart(2, '0')}`);
    for (const t of titles) cli.ok(['create', '--title', t]);
    cli.sync();
    await $('[data-testid="workshop-row"][data-title="Batch 20"]').waitForDisplayed({ timeout: 20000 });
    for (const t of titles) cli.ok(['delete', t]);
    cli.sync();
    const dialog = await byTestId('mass-delete-dialog');
    await dialog.waitForDisplayed({ timeout: 20000 });
    expect(await $$('[data-testid="held-workshop"]').length).toBe(20);
    await shot('27-mass-delete-dialog');
    // Nothing is gone while the dialog asks.
    expect(await $$('[data-testid="workshop-row"][data-title^="Batch"]').length).toBe(20);
    await byTestId('keep-workshops').click();
    await dialog.waitForDisplayed({ reverse: true, timeout: 15000 });
    await waitForState('idle', async () => (await pending()) === 0);
    expect(await $$('[data-testid="workshop-row"][data-title^="Batch"]').length).toBe(20);
    // Kept means restored on the server too.
    expect(server.sql("SELECT count(*) FROM workshops WHERE title LIKE 'Batch %' AND deleted_at IS NULL")).toBe('20');
    await shot('28-kept');
  });

  it('shares a workshop with another user and takes it back, and shows one shared with it read-only', async () => {
    const bob = server.addUser('Bob');
    server.addUser('Roberta Bobson');
    const bobCli = new CliClient(server, bob.token);
    bobCli.login();
    // The owner finds Bob by name: the server's search, from 3 characters on.
    await openWorkshop('Made while offline');
    await byTestId('share').click();
    await byTestId('share-dialog').waitForDisplayed();
    await byTestId('share-user').setValue('bo');
    await waitForText('people-note', 'Type 1 more character');
    expect(await byTestId('share-submit').isEnabled()).toBe(false);
    await byTestId('share-user').setValue('bob');
    await byTestId('people-found').waitForDisplayed({ timeout: 10000 });
    // Names that start with it first; the owner is not offered.
    const found = await browser.execute(() => [...document.querySelectorAll('[data-testid="person"]')].map((p) => p.textContent.trim().split(/\s+/)[0]));
    expect(found).toEqual(['Bob', 'Roberta']);
    await shot('29a-share-find-people');
    await browser.keys(['Enter']); // the first, highlighted
    await waitForText('share-chosen', 'Sharing with Bob');
    await byTestId('share-role').selectByAttribute('value', 'viewer');
    await byTestId('share-submit').click();
    await byTestId('share-done').waitForDisplayed();
    await $(`[data-testid="member"][data-user="${bob.id}"][data-role="viewer"]`).waitForDisplayed();
    // A role changes from its dropdown, and back.
    const role = $(`[data-testid="member"][data-user="${bob.id}"] [data-testid="member-role"]`);
    await role.selectByAttribute('value', 'editor');
    await $(`[data-testid="member"][data-user="${bob.id}"][data-role="editor"]`).waitForDisplayed();
    await $(`[data-testid="member"][data-user="${bob.id}"] [data-testid="member-role"]`).selectByAttribute('value', 'viewer');
    await $(`[data-testid="member"][data-user="${bob.id}"][data-role="viewer"]`).waitForDisplayed();
    await shot('29-share-dialog');
    await byTestId('share-close').click();
    await byTestId('back').click();
    await waitForState('idle', async () => (await pending()) === 0);
    bobCli.sync();
    expect(bobCli.ok(['list']).stdout).toContain('Made while offline');

    // Bob shares his own workshop with Ada as a viewer (through the API): it arrives in the
    // open app and reads as read-only, with the reason.
    bobCli.ok(['create', '--title', 'Sprint by Bob']);
    bobCli.sync();
    const bobsId = server.sql("SELECT id FROM workshops WHERE title = 'Sprint by Bob'");
    await server.rest('POST', `/api/workshops/${bobsId}/members`, bob.token, { userId: server.userId, role: 'viewer' });
    await $('[data-testid="workshop-row"][data-title="Sprint by Bob"]').waitForDisplayed({ timeout: 20000 });
    await openWorkshop('Sprint by Bob');
    await byTestId('read-only').waitForDisplayed();
    await waitForText('read-only', 'shared this workshop with you as a viewer');
    await waitForText('your-role', 'viewer');
    // Disabled through its fieldset (WebKitWebDriver's isEnabled does not look at fieldsets).
    expect(await browser.execute(() => document.querySelector('[data-testid="step-editor"] input[data-path="targetUser"]').matches(':disabled'))).toBe(true);
    expect(await byTestId('trash').isExisting()).toBe(false);
    // A viewer sees no way to commit a step.
    for (const id of ['advance', 'complete-step', 'revise', 'confirm-menu']) expect(await byTestId(id).isExisting()).toBe(false);
    await shot('30-read-only');
    await byTestId('back').click();

    // Ada takes Bob's access away: his copy goes at his next sync. The share came back from
    // the server with his name.
    await openWorkshop('Made while offline');
    await byTestId('share').click();
    await expect($(`[data-testid="member"][data-user="${bob.id}"] [data-testid="member-name"]`)).toHaveText('Bob');
    await shot('29b-member-named');
    await $(`[data-testid="member"][data-user="${bob.id}"] [data-testid="remove-member"]`).click();
    await $(`[data-testid="member"][data-user="${bob.id}"]`).waitForExist({ reverse: true });
    await byTestId('share-close').click();
    await byTestId('back').click();
    await waitForState('idle', async () => (await pending()) === 0);
    bobCli.sync();
    expect(bobCli.ok(['list']).stdout).not.toContain('Made while offline');
  });

  it('shows a change the server refused with its reason, and sends it again once edited', async () => {
    const title = 'Batch 01';
    const inWorkshop = `FROM notes n JOIN workshops w ON w.id = n.workshop_id WHERE w.title = '${title}' AND n.step_id IS NULL`;
    await server.down();
    await openWorkshop(title);
    await byTestId('notes-workshop').click();
    const selector = '[data-testid="note-editor"][data-scope="workshop"] textarea';
    await $(selector).waitForEnabled();
    await fill(selector, 'Written while another device trashed it');
    await byTestId('back').click(); // leaving saves the note
    await waitForState('offline', async () => (await pending()) >= 1);
    // Meanwhile another device trashes the workshop (straight in the server's database).
    server.sql(`UPDATE workshops SET deleted_at = now() WHERE title = '${title}'`);
    await server.up();
    await byTestId('sync-rejections').waitForDisplayed({ timeout: 30000 });
    await waitForText('sync-rejections', '1 refused change');
    await byTestId('sync-rejections').click();
    const refused = await $('[data-testid="rejection"]');
    await refused.waitForDisplayed();
    await waitForText('rejection-reason', `“${title}” is in the trash`);
    await shot('33-refused-change');
    await refused.$('[data-testid="edit-rejection"]').click();
    await expect(refused.$('[data-testid="resend-text"]')).toHaveValue('Written while another device trashed it');
    await fill('[data-testid="resend-text"]', 'Edited after the refusal');
    // Still in the trash: this copy refuses it too, says why, and keeps the edit.
    await refused.$('[data-testid="resend"]').click();
    await waitForText('resend-error', 'trash');
    await expect(refused.$('[data-testid="resend-text"]')).toHaveValue('Edited after the refusal');
    await shot('34-resend-refused');
    expect(server.sql(`SELECT count(*) ${inWorkshop}`)).toBe('0');

    // No dead end: one click restores the workshop and sends the edited note after it.
    await refused.$('[data-testid="restore-resend"]').click();
    await byTestId('no-issues').waitForDisplayed({ timeout: 15000 });
    await waitForState('idle', async () => (await pending()) === 0);
    expect(server.sql(`SELECT content ${inWorkshop}`)).toBe('Edited after the refusal');
    expect(server.sql(`SELECT deleted_at IS NULL FROM workshops WHERE title = '${title}'`)).toBe('t');
    await byTestId('issues-back').click();
    await $(`[data-testid="workshop-row"][data-title="${title}"]`).waitForDisplayed({ timeout: 20000 });
  });

  it('undoes a move to the trash from the toast and with Ctrl+Z, and the other desktop follows both ways', async () => {
    const title = 'Made while offline';
    const trashIt = async () => {
      await openWorkshop(title);
      await byTestId('more-actions').click();
      await byTestId('trash').click();
      await byTestId('confirm-trash').click();
      await byTestId('undo-toast').waitForDisplayed();
      await waitForText('undo-toast', `Moved “${title}” to the trash.`);
      await $(`[data-testid="workshop-row"][data-title="${title}"]`).waitForExist({ reverse: true });
    };
    await trashIt();
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    expect(cli.ok(['list']).stdout).not.toContain(title);
    await shot('35-undo-toast');
    await byTestId('undo').click();
    await $(`[data-testid="workshop-row"][data-title="${title}"]`).waitForDisplayed();
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    expect(cli.ok(['list']).stdout).toContain(title);
    // Again, undone with Ctrl+Z this time.
    await trashIt();
    await browser.keys(['Control', 'z']);
    await $(`[data-testid="workshop-row"][data-title="${title}"]`).waitForDisplayed();
    await waitForState('idle', async () => (await pending()) === 0);
    expect(server.sql(`SELECT deleted_at IS NULL FROM workshops WHERE title = '${title}'`)).toBe('t');
  });

  it('undoes a session\'s cancellation, and the other desktop follows both ways', async () => {
    const title = 'PawPal (renamed on the laptop)';
    await openWorkshop(title);
    await byTestId('tab-schedule').click();
    await $('[data-testid="session-row"][data-status="scheduled"]').waitForDisplayed();
    const id = await $('[data-testid="session-row"][data-status="scheduled"]').getAttribute('data-session-id');
    const row = () => $(`[data-testid="session-row"][data-session-id="${id}"]`);
    const status = () => JSON.parse(cli.ok(['session', 'list', title, '--json']).stdout).find((s) => s.id === id)?.status;
    await row().$('[data-testid="session-actions"]').click();
    await row().$('[data-testid="cancel-session"]').click();
    await byTestId('confirm-cancel').click();
    await $(`[data-testid="session-row"][data-session-id="${id}"][data-status="cancelled"]`).waitForExist();
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    expect(status()).toBe('cancelled');
    await byTestId('undo').click();
    await $(`[data-testid="session-row"][data-session-id="${id}"][data-status="scheduled"]`).waitForExist();
    await waitForState('idle', async () => (await pending()) === 0);
    cli.sync();
    expect(status()).toBe('scheduled');
    // And back: the other desktop cancels it, and this one shows it.
    cli.ok(['session', 'cancel', title, id]);
    cli.sync();
    await byTestId('sync-now').click();
    await $(`[data-testid="session-row"][data-session-id="${id}"][data-status="cancelled"]`).waitForExist({ timeout: 20000 });
    cli.ok(['session', 'restore', title, id]);
    cli.sync();
    await byTestId('sync-now').click();
    await $(`[data-testid="session-row"][data-session-id="${id}"][data-status="scheduled"]`).waitForExist({ timeout: 20000 });
    await byTestId('back').click();
  });

  it('signs out: the keyring entry is gone and the workshops stay', async () => {
    await byTestId('open-settings').click();
    await byTestId('signed-in-as').waitForDisplayed();
    // "… 127.0.0.1:port as Ada.", and Close has the focus, so Enter does not sign out.
    await expect(byTestId('signed-in-as')).toHaveText(expect.stringMatching(/:\d+ as \S/));
    expect(await browser.execute(() => document.activeElement?.getAttribute('data-testid'))).toBe('settings-close');
    await shot('31-account');
    await waitForText('your-user-id', server.userId);
    // Copy my id: to the clipboard, or where the webview refuses it, selected to copy by hand.
    await byTestId('copy-user-id').click();
    const copied = await browser.execute(() => [
      document.querySelector('[data-testid="copy-user-id"]').textContent.trim(),
      window.getSelection()?.toString() ?? '',
    ]);
    expect(copied[0] === 'Copied' || copied[1] === server.userId).toBe(true);
    await byTestId('sign-out').click();
    await byTestId('settings-done').waitForDisplayed();
    await waitForText('settings-done', 'deleted from the system keyring');
    await shot('32-signed-out');
    await byTestId('settings-close').click();
    await waitForState('signedOut');
    expect(keyringToken(server.url)).toBeNull();
    await expect($('[data-testid="workshop-row"][data-title="Made while offline"]')).toBeDisplayed();
  });
});
