// A first run and times that cannot be misread, in the real window on a machine in another zone and locale.
// scripts/test.sh runs this spec on its own, with a fresh data directory, the machine in
// Asia/Tokyo (TZ) and an en-US locale (12-hour clock): a weekly series at 19:00 in New York
// shows in New York's time first, with its zone, and in Tokyo's beside it, a day later. The
// main run (schedule.e2e.js) checks the same in UTC with a 24-hour clock.
import { byTestId, fill, shot } from './helpers.js';

/** YYYY-MM-DD of the first Tuesday at least a week from today (as New York's calendar has it). */
function tuesdayAWeekOn() {
  const day = new Date(Date.now() + 7 * 86_400_000);
  while (day.getUTCDay() !== 2) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

describe('Times in another zone (Asia/Tokyo, en-US)', () => {
  it('runs in Tokyo with a 12-hour clock', async () => {
    const [zone, clock] = await browser.execute(() => [
      Intl.DateTimeFormat().resolvedOptions().timeZone,
      new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hourCycle,
    ]);
    expect(zone).toBe('Asia/Tokyo');
    expect(clock).toBe('h12');
  });

  it('starts from the empty list: the sample workshop opens in one click', async () => {
    await byTestId('first-run').waitForDisplayed();
    await expect(byTestId('first-new')).toBeDisplayed();
    await expect(byTestId('first-import')).toBeDisplayed();
    await shot('49-first-run');
    // The app menu's keyboard shortcuts, also on Ctrl+/.
    await byTestId('app-menu').click();
    await byTestId('menu-shortcuts').click();
    await byTestId('shortcuts-dialog').waitForDisplayed();
    await expect(byTestId('shortcuts-dialog')).toHaveText(expect.stringContaining('Undo a move to the trash'));
    await byTestId('shortcuts-close').click();
    await byTestId('shortcuts-dialog').waitForExist({ reverse: true });
    await browser.keys(['Control', '/']);
    await byTestId('shortcuts-dialog').waitForDisplayed();
    await byTestId('shortcuts-close').click();
    await byTestId('open-sample').click();
    await byTestId('step-editor').waitForDisplayed();
    expect((await byTestId('workshop-title').getProperty('textContent')).trim()).toBe('PawPal');
  });

  it("shows a New York series in New York's time first, and Tokyo's beside it a day later", async () => {
    await byTestId('tab-schedule').click();
    await byTestId('new-series').click();
    await byTestId('series-dialog').waitForDisplayed();
    await fill('[data-testid="series-title"]', 'Design sprint');
    await fill('[data-testid="series-start-date"]', tuesdayAWeekOn());
    await fill('[data-testid="series-time"]', '19:00');
    await fill('[data-testid="series-zone"]', 'America/New_York');
    await fill('[data-testid="series-duration"]', '90');
    await byTestId('series-save').waitForEnabled();
    await byTestId('series-save').click();
    await byTestId('series-dialog').waitForDisplayed({ reverse: true });

    const row = $('[data-testid="session-row"][data-status="scheduled"]');
    await row.waitForDisplayed();
    await expect(row.$('[data-testid="session-day"]')).toHaveText(expect.stringMatching(/^Tue\b/));
    // New York is on EST in the winter and EDT in the summer: whichever the first Tuesday has.
    await expect(row.$('[data-testid="session-time-range"]')).toHaveText(expect.stringMatching(/^7:00\sPM–8:30\sPM E[SD]T$/));
    await expect(row.$('[data-testid="session-zone-time"]')).toHaveText(expect.stringMatching(/^Wed (9|8):00\sAM your time \(\+1 day\)$/));
    await shot('50-tokyo-schedule');
  });

  it('lets the Agenda put Tokyo time first', async () => {
    await byTestId('back').click();
    await byTestId('open-agenda').click();
    await byTestId('agenda').waitForDisplayed();
    const first = () => $('[data-testid="agenda-row"] [data-testid="agenda-time"]');
    const other = () => $('[data-testid="agenda-row"] [data-testid="agenda-zone-time"]');
    // The switch is kept across runs (the webview's storage): start from the series' time.
    await byTestId('agenda-first-series').click();
    await expect(first()).toHaveText(expect.stringMatching(/^7:00\sPM–8:30\sPM E[SD]T$/));
    await byTestId('agenda-first-mine').click();
    await expect(first()).toHaveText(expect.stringMatching(/^(9|8):00\sAM–(10|9):30\sAM GMT\+9$/));
    await expect(other()).toHaveText(expect.stringMatching(/^Tue 7:00\sPM New York time \(−1 day\)$/));
    await shot('51-tokyo-agenda');
  });
});
