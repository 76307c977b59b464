import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repo } from '../wdio.conf.js';

const shots = path.join(repo, 'target/e2e-screenshots');
mkdirSync(shots, { recursive: true });

/** Saves a screenshot under target/e2e-screenshots after the frame has settled. */
export async function shot(name) {
  await browser.pause(400);
  await browser.saveScreenshot(path.join(shots, `${name}.png`));
}

export const byTestId = (id) => $(`[data-testid="${id}"]`);

/** Opens a workshop from the list by its title. */
export async function openWorkshop(title) {
  const row = await $(`[data-testid="workshop-row"][data-title="${title}"] button.open`);
  await row.waitForClickable();
  await row.click();
  await byTestId('step-editor').waitForDisplayed();
}

/** Selects a step in the rail. */
export async function selectStep(stepId) {
  await $(`[data-testid="rail-step"][data-step="${stepId}"]`).click();
  await $(`[data-testid="step-editor"][data-step="${stepId}"]`).waitForDisplayed();
}

/** Restarts the app: a new session launches the binary again on the same data directory. */
export async function restartApp() {
  await browser.reloadSession();
  await byTestId('workshop-list').waitForExist();
}

/** Sets a <select> the way choosing an option does. */
export async function choose(testId, value) {
  await browser.execute(
    (sel, v) => {
      const el = document.querySelector(sel);
      el.value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    `[data-testid="${testId}"]`,
    value,
  );
}

/** Replaces a text field's value the way typing does (value, then an input event). */
export async function fill(selector, value) {
  await browser.execute(
    (sel, text) => {
      const el = document.querySelector(sel);
      el.focus();
      el.value = text;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    selector,
    value,
  );
}

/** Clicks the element, finding it again if the UI re-rendered it between the lookup and the
 * click (WebKitWebDriver then reports a stale element). */
export async function clickFresh(testId, tries = 5) {
  for (let i = 1; ; i++) {
    try {
      await byTestId(testId).click();
      return;
    } catch (e) {
      if (i >= tries || !String(e).includes('tale element')) throw e;
      await browser.pause(100);
    }
  }
}

/** The sync status line in the footer. */
export const footer = () => byTestId('sync-status');

/** An element's text content. (WebKitWebDriver's visible text reads "" for the status line's
 * single-line, ellipsised span, so read the DOM instead.) */
export async function textOf(testId) {
  return (await byTestId(testId).getProperty('textContent')) ?? '';
}

/** Waits until the element's text contains `part`. */
export async function waitForText(testId, part, timeout = 15000) {
  let last = '';
  try {
    await browser.waitUntil(async () => (last = await textOf(testId)).includes(part), { timeout });
  } catch {
    throw new Error(`${testId} did not show "${part}"; last: "${last}"`);
  }
}

/** Waits until the sync status is in `state` (signedOut, idle, syncing, offline) and `extra()` holds. */
export async function waitForState(state, extra = () => true, timeout = 30000) {
  let last = '';
  try {
    await browser.waitUntil(
      async () => {
        last = `${await footer().getAttribute('data-state')}: ${await textOf('sync-text')} (${await pending()} waiting)`;
        return last.startsWith(`${state}:`) && (await extra());
      },
      { timeout },
    );
  } catch {
    throw new Error(`the sync status did not turn ${state}; last: ${last}`);
  }
}

/** The number of changes waiting to be sent, as the footer shows it. */
export async function pending() {
  return Number(await footer().getAttribute('data-pending'));
}
