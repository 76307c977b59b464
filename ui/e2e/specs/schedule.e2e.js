// The real app window, offline (before the sync tests sign in): a weekly series made in the
// Schedule tab with its live preview, its sessions in the tab and the Agenda, one cancelled,
// and the calendar file exported through the save dialog.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { byTestId, choose, fill, openWorkshop, shot } from './helpers.js';

const exportDir = () => process.env.WORKSHOPPILOT_E2E_SAVE_DIR;

/** YYYY-MM-DD of the first day with UTC weekday `weekday` (0 Sunday) at least a week from today. */
function weekdayAWeekOn(weekday) {
  const day = new Date(Date.now() + 7 * 86_400_000);
  while (day.getUTCDay() !== weekday) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}
const tuesdayAWeekOn = () => weekdayAWeekOn(2);

/** Only the chips of `days` are pressed. */
async function expectDays(days) {
  for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) {
    await expect(byTestId(`series-day-${d}`)).toHaveAttribute('aria-pressed', String(days.includes(d)));
  }
}

/** Presses exactly the weekday chips in `days`. */
async function onlyDays(days) {
  for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']) {
    const chip = byTestId(`series-day-${d}`);
    const pressed = (await chip.getAttribute('aria-pressed')) === 'true';
    if (pressed !== days.includes(d)) await chip.click();
  }
}

const rows = (status) =>
  $$(status ? `[data-testid="session-row"][data-status="${status}"]` : '[data-testid="session-row"]');

describe('Schedule', () => {
  it('makes a weekly series offline, with the rule in words and the next sessions as it is typed', async () => {
    await openWorkshop('PawPal');
    await byTestId('tab-schedule').click();
    await byTestId('schedule').waitForDisplayed();
    await expect(byTestId('no-upcoming')).toBeDisplayed();
    await byTestId('new-series').click();
    await byTestId('series-dialog').waitForDisplayed();
    await fill('[data-testid="series-title"]', 'Design sprint');
    await choose('series-frequency', 'weekly');
    // The days follow the first day until chosen by hand (two days, so that one of them is
    // not the default's, tomorrow's weekday).
    await fill('[data-testid="series-start-date"]', weekdayAWeekOn(3));
    await expectDays(['Wed']);
    await fill('[data-testid="series-start-date"]', tuesdayAWeekOn());
    await expectDays(['Tue']);
    await fill('[data-testid="series-time"]', '19:00');
    await fill('[data-testid="series-zone"]', 'America/New_York');
    await fill('[data-testid="series-duration"]', '90');
    await choose('series-end-kind', 'count');
    await fill('[data-testid="series-count"]', '60');
    // Over the limit: the original's message, under the field, and no saving.
    const error = byTestId('series-error');
    await error.waitForDisplayed();
    await expect(error).toHaveText(expect.stringContaining('Maximum 52 instances allowed'));
    // The core's error carries its field as data (`fields`, not read from the message), and
    // the form shows it in that field's own row, marking the field.
    await expect(error).toHaveAttribute('data-field', 'count');
    const endRow = await byTestId('series-count').parentElement().parentElement();
    await expect(endRow.$('[data-testid="series-error"]')).toBeExisting();
    await expect(byTestId('series-end-kind')).toHaveAttribute('aria-invalid', 'true');
    await expect(byTestId('series-save')).toBeDisabled();
    await shot('30-series-form-limit');
    // The form is taller than the window; its footer with the save button stays in view.
    const [saveBottom, viewport] = await browser.execute(() => [
      document.querySelector('[data-testid="series-save"]').getBoundingClientRect().bottom,
      window.innerHeight,
    ]);
    expect(saveBottom).toBeLessThanOrEqual(viewport);
    await fill('[data-testid="series-count"]', '6');
    await onlyDays(['Tue']);
    const description = byTestId('series-preview-description');
    await browser.waitUntil(async () => (await description.isExisting()) && (await description.getText()).includes('6 times'), {
      timeoutMsg: 'the preview never described the rule',
    });
    await expect(description).toHaveText(expect.stringContaining('every week on Tuesday at 19:00 (New York time), 6 times'));
    await expect($$('[data-testid="series-preview-next"]')).toBeElementsArrayOfSize(5);
    await shot('31-series-form-preview');
    await byTestId('series-save').click();
    await byTestId('series-dialog').waitForDisplayed({ reverse: true });
  });

  it('lists the six sessions in the Schedule tab and cancels one, keeping it', async () => {
    await browser.waitUntil(async () => (await rows('scheduled')).length === 6, {
      timeoutMsg: 'six scheduled sessions never showed',
    });
    await expect($('[data-testid="series-row"] [data-testid="series-row-description"]')).toHaveText(
      expect.stringContaining('every week on Tuesday at 19:00 (New York time)'),
    );
    // A series' session shows in the series' zone first, with the zone, and the user's time
    // beside it with the day it falls on (this run's machine is in UTC, in en-GB's 24-hour clock).
    const first = (await rows('scheduled'))[0];
    await expect(first.$('[data-testid="session-day"]')).toHaveText(expect.stringMatching(/^Tue\b/));
    await expect(first.$('[data-testid="session-time-range"]')).toHaveText(expect.stringMatching(/^19:00–20:30 EST$/));
    await expect(first.$('[data-testid="session-zone-time"]')).toHaveText('Wed 00:00 your time (+1 day)');
    await expect($('[data-testid="series-row-next"]')).toHaveText(expect.stringMatching(/Next: Tue.*19:00 EST \(Wed 00:00 your time \(\+1 day\)\)/));
    await shot('32-schedule-tab');
    const second = (await rows('scheduled'))[1];
    const id = await second.getAttribute('data-session-id');
    // The row's actions are in its "⋯" menu, not spread along every row.
    expect(await second.$('[data-testid="cancel-session"]').isExisting()).toBe(false);
    await second.$('[data-testid="session-actions"]').click();
    await second.$('[data-testid="cancel-session"]').click();
    await byTestId('confirm-cancel').click();
    await $(`[data-testid="session-row"][data-session-id="${id}"][data-status="cancelled"]`).waitForExist();
    expect((await rows('scheduled')).length).toBe(5);
    await shot('33-one-cancelled');
    // Undo brings it back; cancelled again, it stays cancelled for the tests that follow.
    await byTestId('undo').click();
    await $(`[data-testid="session-row"][data-session-id="${id}"][data-status="scheduled"]`).waitForExist();
    expect((await rows('scheduled')).length).toBe(6);
    const again = $(`[data-testid="session-row"][data-session-id="${id}"]`);
    await again.$('[data-testid="session-actions"]').click();
    await again.$('[data-testid="cancel-session"]').click();
    await byTestId('confirm-cancel').click();
    await $(`[data-testid="session-row"][data-session-id="${id}"][data-status="cancelled"]`).waitForExist();
    await byTestId('undo-toast').waitForDisplayed();
    await byTestId('undo-toast').$('button[aria-label="Dismiss"]').click();
  });

  it('moves one session of the series by an hour, the others staying', async () => {
    const first = (await rows('scheduled'))[0];
    const id = await first.getAttribute('data-session-id');
    await first.$('[data-testid="session-actions"]').click();
    await first.$('[data-testid="edit-session"]').click();
    await byTestId('session-dialog').waitForDisplayed();
    await expect(byTestId('session-occurrence-note')).toBeDisplayed();
    await expect(byTestId('session-time')).toHaveValue('00:00');
    await fill('[data-testid="session-time"]', '01:00');
    await byTestId('session-save').click();
    await byTestId('session-dialog').waitForDisplayed({ reverse: true });
    const moved = $(`[data-testid="session-row"][data-session-id="${id}"]`);
    await browser.waitUntil(async () => (await moved.getProperty('textContent')).includes('01:00'), {
      timeoutMsg: 'the moved session did not show its new time',
    });
    expect((await rows('scheduled')).length).toBe(5);
    // Moved on its own: marked, with the series' time it had.
    await expect(moved.$('[data-testid="session-moved"]')).toHaveText('Moved · was 19:00');
    await expect(moved.$('[data-testid="session-time-range"]')).toHaveText(expect.stringMatching(/^20:00–21:30 /));
    await shot('33b-one-moved');
  });

  it('exports the series as a calendar file with the cancelled session as an EXDATE and the moved one as an override', async () => {
    await byTestId('export-ics').click();
    await byTestId('export-result').waitForDisplayed();
    const file = path.join(exportDir(), 'Design-sprint.ics');
    await browser.waitUntil(() => existsSync(file), { timeoutMsg: `${file} was not written` });
    const ics = readFileSync(file, 'utf8');
    expect(ics).toContain('BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n');
    expect(ics).toContain('RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6;WKST=MO');
    expect(ics).toMatch(/EXDATE;TZID=America\/New_York:\d{8}T190000/);
    expect(ics).toContain('DURATION:PT1H30M');
    // The moved session: an override of the same UID at its original local time.
    expect(ics).toMatch(/RECURRENCE-ID;TZID=America\/New_York:\d{8}T190000/);
  });

  it('shows the five upcoming sessions in the Agenda with New York time beside them', async () => {
    await byTestId('back').click();
    await byTestId('open-agenda').click();
    await byTestId('agenda').waitForDisplayed();
    await browser.waitUntil(async () => (await $$('[data-testid="agenda-row"]')).length === 5, {
      timeoutMsg: 'the Agenda did not list five sessions',
    });
    // The series' time first, the user's beside it; the switch puts the user's first.
    const first = () => $('[data-testid="agenda-row"] [data-testid="agenda-time"]');
    const other = () => $('[data-testid="agenda-row"] [data-testid="agenda-zone-time"]');
    await byTestId('agenda-first-series').click();
    await expect(first()).toHaveText(expect.stringMatching(/^20:00–21:30 EST$/));
    await expect(other()).toHaveText('Wed 01:00 your time (+1 day)');
    await shot('34-agenda');
    await byTestId('agenda-first-mine').click();
    await expect(first()).toHaveText(expect.stringMatching(/^01:00–02:30 (UTC|GMT)$/));
    await expect(other()).toHaveText('Tue 20:00 New York time (−1 day)');
    await byTestId('agenda-first-series').click();
    await byTestId('agenda-back').click();
    await byTestId('workshop-list').waitForDisplayed();
  });

  it('names the next session in the list, sorts by it, and follows the clock and density chosen in Preferences', async () => {
    const pawpal = '[data-testid="workshop-row"][data-title="PawPal"]';
    const next = () => $(`${pawpal} [data-testid="row-next-session"]`);
    // The moved session is the next one: in its series' zone, with the zone.
    await expect(next()).toHaveText(expect.stringMatching(/^next session \w{3},? \d{1,2} \w{3}(,? \d{4})?, 20:00 EST$/));
    await byTestId('list-order').selectByAttribute('value', 'next');
    expect(await $('[data-testid="workshop-row"]').getAttribute('data-title')).toBe('PawPal');

    await byTestId('app-menu').click();
    await byTestId('menu-preferences').click();
    await byTestId('preferences').waitForDisplayed();
    await byTestId('pref-clock-12').click();
    await expect(byTestId('pref-clock-sample')).toHaveText(expect.stringMatching(/^7:30\s?(PM|pm)$/));
    await byTestId('pref-density-compact').click();
    await byTestId('pref-theme-dark').click();
    expect(await browser.execute(() => [document.documentElement.dataset.theme, document.documentElement.dataset.density])).toEqual(['dark', 'compact']);
    // The page's own colours follow: the dark panel, whatever the system says.
    expect(await browser.execute(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(17, 20, 27)');
    await shot('36-preferences');
    await byTestId('preferences-close').click();
    await expect(next()).toHaveText(expect.stringMatching(/, 8:00\s?(PM|pm) EST$/));
    // Compact: a row is one line.
    const height = await browser.execute((sel) => document.querySelector(sel).getBoundingClientRect().height, pawpal);
    expect(height).toBeLessThan(56);
    await shot('37-list-compact-dark');
    // Kept across a reload of the window, then put back for the specs that follow.
    await browser.refresh();
    await byTestId('workshop-list').waitForDisplayed();
    expect(await browser.execute(() => document.documentElement.dataset.theme)).toBe('dark');
    await byTestId('app-menu').click();
    await byTestId('menu-preferences').click();
    await byTestId('pref-clock-system').click();
    await byTestId('pref-density-comfortable').click();
    await byTestId('pref-theme-system').click();
    await byTestId('preferences-close').click();
    await byTestId('list-order').selectByAttribute('value', 'recent');
    await expect(next()).toHaveText(expect.stringMatching(/, 20:00 EST$/));
  });
});
