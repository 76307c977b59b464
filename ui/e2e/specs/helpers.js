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
