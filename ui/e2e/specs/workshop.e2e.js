// The real app window from an empty data directory: import PawPal, work on a step, notes
// across restarts, the note limit, exports, and hostile Markdown.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { byTestId, choose, fill, openWorkshop, restartApp, selectStep, shot } from './helpers.js';

const exportDir = () => process.env.WORKSHOPPILOT_E2E_SAVE_DIR;
const noteSelector = '[data-testid="note-editor"][data-scope="workshop"] textarea';

async function listProgress(title) {
  const bar = await $(`[data-testid="workshop-row"][data-title="${title}"] [data-testid="progress"]`);
  await bar.waitForExist();
  return Number(await bar.getAttribute('aria-valuenow'));
}

async function openWorkshopNotes() {
  await byTestId('notes-workshop').click();
  const note = await $(noteSelector);
  await note.waitForEnabled();
  return note;
}

describe('WorkshopPilot desktop', () => {
  it('starts with an empty list', async () => {
    await expect(byTestId('workshop-list')).toExist();
    await expect($('.empty')).toHaveText(expect.stringContaining('No workshops yet'));
    // Placeholder text meets 4.5:1 against its field (WCAG's contrast ratio).
    const ratio = await browser.execute(() => {
      const input = document.querySelector('[data-testid="new-title"]');
      const rgb = (c) => c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
      const lum = (c) => {
        const [r, g, b] = rgb(c).map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const fg = lum(getComputedStyle(input, '::placeholder').color);
      const bg = lum(getComputedStyle(input).backgroundColor);
      return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    });
    expect(ratio).toBeGreaterThanOrEqual(4.5);
    await shot('01-empty-list');
  });

  it('imports the PawPal workshop from a file', async () => {
    await byTestId('import').click();
    const row = await $('[data-testid="workshop-row"][data-title="PawPal"]');
    await row.waitForDisplayed();
    expect(await listProgress('PawPal')).toBe(0);
    await shot('02-imported');
  });

  it('completes a step in the form and the progress bar moves', async () => {
    await openWorkshop('PawPal');
    await expect($('[data-testid="step-editor"]')).toHaveAttribute('data-step', 'challenge');
    const target = await $('[data-testid="step-editor"] input[data-path="targetUser"]');
    await target.setValue('Busy urban professionals with two or more pets');
    await shot('03-step-form');
    await byTestId('advance').click();
    await $('[data-testid="rail-step"][data-step="challenge"][data-status="complete"]').waitForExist();
    await expect(byTestId('workshop-progress')).toHaveAttribute('aria-valuenow', '1');
    // The header: progress and what is left (its tooltip), no disabled "Complete workshop"
    // before all ten steps are, and no red Trash beside it (it is in the ⋯ menu).
    expect(await byTestId('complete-workshop').isExisting()).toBe(false);
    await expect(byTestId('complete-reason')).toHaveAttribute('title', expect.stringContaining('Still to complete: Stakeholder Mapping'));
    expect(await byTestId('trash').isExisting()).toBe(false);
    await expect(byTestId('more-actions')).toBeDisplayed();
    await $('[data-testid="step-editor"][data-step="stakeholder-mapping"]').waitForDisplayed();
    // Every control on the step screen (the rail, the header, the form with its list rows'
    // reorder arrows) is at least 24×24 px.
    const small = await browser.execute(() =>
      [...document.querySelectorAll('button, select, input[type="checkbox"], input[type="radio"]')]
        .map((e) => ({ e, r: e.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && r.height > 0 && (r.width < 24 || r.height < 24))
        .map(({ e, r }) => `${e.getAttribute('data-testid') ?? e.getAttribute('aria-label') ?? e.textContent.trim()} ${Math.round(r.width)}×${Math.round(r.height)}`),
    );
    expect(small).toEqual([]);
    await shot('04-after-advance');
    // Keyboard: Alt+Up goes back to the previous step, whose saved output kept the edit.
    await browser.keys(['Alt', 'ArrowUp']);
    await $('[data-testid="step-editor"][data-step="challenge"]').waitForDisplayed();
    await expect($('[data-testid="step-editor"] input[data-path="targetUser"]')).toHaveValue('Busy urban professionals with two or more pets');
    await byTestId('back').click();
    expect(await listProgress('PawPal')).toBe(1);
    // The row says where the workshop stands and when it was last edited, not a date that
    // reads like a session's.
    const meta = await $('[data-testid="workshop-row"][data-title="PawPal"] .meta').getProperty('textContent');
    expect(meta.replace(/\s+/g, ' ')).toMatch(/Step 2 of 10: Stakeholder Mapping · edited (just now|\d+ min ago)/);
    await shot('05-list-progress');
    // A status filter and an order, kept across visits.
    await choose('list-status', 'completed');
    await byTestId('list-filtered-out').waitForDisplayed();
    await choose('list-status', 'all');
    await $('[data-testid="workshop-row"][data-title="PawPal"]').waitForDisplayed();
  });

  it('shows a validation error beside the field and keeps the saved output', async () => {
    await openWorkshop('PawPal');
    await selectStep('persona');
    // No key pressed and no button: the output saves itself after a pause, and is refused.
    await $('[data-testid="step-editor"] input[data-path="age"]').setValue('12');
    const error = await $('[data-path="age"] [data-testid="field-error"]');
    await error.waitForDisplayed();
    await expect(error).toHaveText('Age must be a whole number between 18 and 100');
    await expect(byTestId('save-status')).toHaveText('Not saved: fix the marked field');
    // One message beside the field, one summary naming it; no banner repeating the core's words.
    await expect($$('[data-testid="field-error"]')).toBeElementsArrayOfSize(1);
    expect(await byTestId('error').isExisting()).toBe(false);
    await expect(byTestId('field-error-link')).toHaveText('Age');
    await shot('06-field-error');
    await byTestId('field-error-link').click();
    expect(await browser.execute(() => document.activeElement?.getAttribute('data-path'))).toBe('age');
    await $('[data-testid="step-editor"] input[data-path="age"]').setValue('33');
    await expect(byTestId('save-status')).toHaveText(expect.stringContaining('Saved'));
    await expect($('[data-path="age"] [data-testid="field-error"]')).not.toBeExisting();
    // The first edit started the step.
    await expect(byTestId('step-status')).toHaveText('In progress');
    await byTestId('json-view').click();
    await expect(byTestId('raw-json')).toHaveValue(expect.stringContaining('"age": 33'));
    await byTestId('form-view').click();
    // A refusal with no field on the form shows as the banner: the rule in words, the
    // core's own message under Details.
    await byTestId('workshop-title').click();
    await byTestId('title-input').setValue('P'.repeat(120));
    await $('form.rename button[type="submit"]').click();
    const banner = byTestId('error');
    await banner.waitForDisplayed();
    await expect(byTestId('error-detail')).toHaveText(expect.stringMatching(/^invalid_input: /));
    expect(await byTestId('error-detail').isDisplayed()).toBe(false); // folded under Details
    await shot('06b-error-banner');
    await banner.$('button.link').click();
    await $('form.rename button[type="button"]').click();
  });

  it('keeps a note across a restart', async () => {
    const note = await openWorkshopNotes();
    await note.setValue("Facilitator only: the client's budget is tight");
    await browser.waitUntil(async () => (await byTestId('note-status').getAttribute('data-state')) === 'saved', {
      timeoutMsg: 'the note was never reported saved',
    });
    await shot('07-note-saved');
    await restartApp();
    await openWorkshop('PawPal');
    const again = await openWorkshopNotes();
    await expect(again).toHaveValue("Facilitator only: the client's budget is tight");
  });

  it('refuses a note over 50,000 characters and keeps the earlier note', async () => {
    await openWorkshopNotes();
    const long = "Facilitator only: the client's budget is tight " + 'x'.repeat(50_000);
    await fill(noteSelector, long);
    await browser.waitUntil(async () => (await byTestId('note-status').getAttribute('data-state')) === 'refused', {
      timeout: 10000,
      timeoutMsg: 'the over-long note was not refused',
    });
    // One message, in the user's numbers: the status says only that nothing was saved.
    await expect(byTestId('note-status')).toHaveText(
      'Not saved. Your text is still here; the last saved note is kept.',
    );
    await expect(byTestId('note-over')).toHaveText(
      '47 characters over the 50,000-character limit: shorten the note to save it.',
    );
    expect(await $$('.error-text').length).toBe(1);
    expect((await $(noteSelector).getValue()).length).toBe(long.length);
    await shot('08-note-refused');
    await restartApp();
    await openWorkshop('PawPal');
    await expect(await openWorkshopNotes()).toHaveValue("Facilitator only: the client's budget is tight");
  });

  it('exports the build pack as Markdown and HTML', async () => {
    await byTestId('tab-pack').click();
    await byTestId('pack-preview').waitForDisplayed();
    // The pack takes the window's width, the step rail out of the way; the one back link
    // reads the same as on the steps.
    expect(await $('[data-testid="rail-step"]').isDisplayed()).toBe(false);
    const [preview, windowWidth] = await browser.execute(() => [
      document.querySelector('[data-testid="pack-preview"]').getBoundingClientRect().width,
      window.innerWidth,
    ]);
    expect(preview).toBeGreaterThan(windowWidth * 0.7);
    await expect(byTestId('back')).toHaveText('← Workshops');
    // One step of ten confirmed: the pack says it is a draft and which steps are not.
    await expect(byTestId('pack-draft')).toHaveText(expect.stringContaining('1 of 10 steps confirmed'));
    await expect(byTestId('pack-draft')).toHaveText(expect.stringContaining('Persona Development'));
    // Each section drawn from an unconfirmed step says so under its heading, naming the step.
    const targetUsers = await browser.execute(() => {
      const h = [...document.querySelectorAll('[data-testid="pack-preview"] h2')].find((e) => e.textContent.includes('Target Users'));
      return h?.nextElementSibling?.textContent ?? '';
    });
    expect(targetUsers).toContain('Draft: from the step Persona Development, not confirmed yet');
    await shot('09-build-pack');
    await byTestId('export-md').click();
    await expect(byTestId('export-result')).toHaveText(expect.stringContaining('pawpal-build-pack.md'));
    const md = readFileSync(path.join(exportDir(), 'pawpal-build-pack.md'), 'utf8');
    expect(md).toContain('### Sarah Chen — Product Manager at a mid-size tech company');
    expect(md).toContain('| Veterinarians | Direct | High | High |');
    expect(md).toContain('#### SWOT — PawPal At-a-Glance');
    expect(md).not.toContain("budget is tight"); // notes stay out unless asked for
    await byTestId('export-html').click();
    await expect(byTestId('export-result')).toHaveText(expect.stringContaining('pawpal-build-pack.html'));
    const html = readFileSync(path.join(exportDir(), 'pawpal-build-pack.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('Sarah Chen');
    expect(html.toLowerCase()).not.toContain('<script');
  });

  it('shows hostile Markdown in a step output as harmless text', async () => {
    await byTestId('tab-step').click();
    await selectStep('persona');
    await $('[data-testid="step-editor"] input[data-path="name"]').setValue('<script>window.__pwned = "script"</script>');
    await $('[data-testid="step-editor"] textarea[data-path="bio"]').setValue(
      '<img src="x" onerror="window.__pwned = \'img\'"> and [click me](javascript:window.__pwned=1)',
    );
    await expect(byTestId('save-status')).toHaveText(expect.stringContaining('Saved'));
    await byTestId('tab-pack').click();
    const preview = await byTestId('pack-preview');
    await preview.waitForDisplayed();
    await expect(preview).toHaveText(expect.stringContaining('<script>window.__pwned = "script"</script>'));
    await expect(preview).toHaveText(expect.stringContaining('<img src="x" onerror='));
    expect(await $$('[data-testid="pack-preview"] script').length).toBe(0);
    expect(await $$('[data-testid="pack-preview"] img').length).toBe(0);
    expect(await $$('[data-testid="pack-preview"] a[href^="javascript"]').length).toBe(0);
    expect(await browser.execute(() => window.__pwned)).toBe(null);
    await browser.execute(() => [...document.querySelectorAll('[data-testid="pack-preview"] h2')].find((h) => h.textContent.includes('Target Users'))?.scrollIntoView());
    await shot('10-hostile-preview');
    await byTestId('export-html').click();
    await expect(byTestId('export-result')).toHaveText(expect.stringContaining('pawpal-build-pack.html'));
    const html = readFileSync(path.join(exportDir(), 'pawpal-build-pack.html'), 'utf8').toLowerCase();
    expect(html).toContain('&lt;script&gt;window.__pwned');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="javascript');
  });
});
