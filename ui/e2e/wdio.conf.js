// End-to-end tests of the real app window: tauri-driver (WebKitWebDriver) drives the built
// binary. Run through scripts/e2e.sh, which builds the app and starts Xvfb.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
const application = process.env.WORKSHOPPILOT_APP ?? path.join(repo, 'target/debug/workshoppilot-desktop');

// One empty data directory for the run: the app starts with no workshops, and a restarted
// session finds what the previous one saved. The two E2E_* variables stand in for the
// person choosing a file in the native dialogs (see src-tauri/src/files.rs).
// The launcher creates it; its workers load this file again and inherit the variable.
const run = process.env.WORKSHOPPILOT_E2E_RUN ?? mkdtempSync(path.join(tmpdir(), 'workshoppilot-e2e-'));
export const dataDir = path.join(run, 'data');
export const exportDir = path.join(run, 'exports');
mkdirSync(exportDir, { recursive: true });
process.env.WORKSHOPPILOT_DATA_DIR = dataDir;
process.env.WORKSHOPPILOT_E2E_SAVE_DIR = exportDir;
process.env.WORKSHOPPILOT_E2E_OPEN_FILE = path.join(repo, 'tests/fixtures/pawpal.workshop.json');
process.env.WORKSHOPPILOT_E2E_RUN = run;
// Background sync's idle round every 2 s instead of 30 s, so another client's change shows soon.
process.env.WORKSHOPPILOT_SYNC_IDLE_SECS ??= '2';
// The app turns WebKitGTK's DMA-BUF renderer off to save memory (src-tauri/src/lib.rs). Under
// WebKitWebDriver that mode makes the first session's commands hang (seen on WebKitGTK 2.50 with
// Xvfb; later sessions work), so the window tests keep WebKit's default renderer. The start-up
// benchmark (wp-bench app) launches the app as shipped.
process.env.WEBKIT_DISABLE_DMABUF_RENDERER ??= '0';
// The window's locale, which sets its date and clock formats: en-GB (24-hour) unless a run
// asks for another (scripts/test.sh runs zones.e2e.js in en-US, 12-hour, in Asia/Tokyo).
process.env.LANG = process.env.WP_E2E_LANG ?? 'en_GB.UTF-8';
process.env.LC_ALL = process.env.LANG;

let driver;

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`tauri-driver did not listen on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export const config = {
  runner: 'local',
  // In this order: the schedule tests work offline on the workshop the first tests imported;
  // the sync tests then sign in on that data directory.
  specs: [
    path.join(here, 'specs/workshop.e2e.js'),
    path.join(here, 'specs/schedule.e2e.js'),
    path.join(here, 'specs/sync.e2e.js'),
  ],
  maxInstances: 1,
  hostname: '127.0.0.1',
  port: 4444,
  capabilities: [
    {
      browserName: 'wry',
      'tauri:options': { application },
      'wdio:enforceWebDriverClassic': true,
    },
  ],
  logLevel: 'warn',
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 180000 },
  waitforTimeout: 15000,
  connectionRetryCount: 2,

  onPrepare: async () => {
    const bin = process.env.TAURI_DRIVER ?? path.join(homedir(), '.cargo/bin/tauri-driver');
    driver = spawn(bin, ['--native-driver', '/usr/bin/WebKitWebDriver'], { stdio: [null, process.stdout, process.stderr] });
    await waitForPort(4444, 20000);
  },
  afterTest: async (test, _context, { passed }) => {
    if (!passed) {
      const name = test.title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      mkdirSync(path.join(repo, 'target/e2e-screenshots'), { recursive: true });
      await browser.saveScreenshot(path.join(repo, `target/e2e-screenshots/failed-${name}.png`));
    }
  },
  onComplete: () => {
    driver?.kill();
  },
};
