// The real sync server for the window tests: a fresh PostgreSQL database (the one
// scripts/test.sh starts, $WP_TEST_DATABASE_URL), `workshoppilot-server` serving it on a
// local port, and the `workshoppilot` CLI as a second client with its own database.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repo } from './wdio.conf.js';

const bin = (name) => path.join(repo, 'target/debug', name);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not come up at ${url}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export class SyncServer {
  /** Creates a database, migrates it, adds the user Ada and starts serving. */
  static async start() {
    const admin = process.env.WP_TEST_DATABASE_URL;
    if (!admin) throw new Error('WP_TEST_DATABASE_URL is not set: run through scripts/test.sh, which starts PostgreSQL');
    const name = `wp_e2e_${Date.now()}`;
    execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
    const s = new SyncServer();
    s.databaseUrl = `${admin.slice(0, admin.lastIndexOf('/'))}/${name}`;
    s.port = await freePort();
    s.url = `http://127.0.0.1:${s.port}`;
    s.server(['migrate']);
    ({ id: s.userId, token: s.token } = s.addUser('Ada'));
    await s.up();
    return s;
  }

  /** Adds a user; returns their id and token. */
  addUser(name) {
    const added = this.server(['user', 'add', '--name', name]);
    return { id: /user:\s*(\S+)/.exec(added)[1], token: /token:\s*(\S+)/.exec(added)[1] };
  }

  /** A REST call as the user with `token`; returns the parsed body. */
  async rest(method, path, token, body) {
    const r = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  }

  server(args) {
    return execFileSync(bin('workshoppilot-server'), args, {
      env: { ...process.env, DATABASE_URL: this.databaseUrl },
      encoding: 'utf8',
    });
  }

  /** Serves on the same port again. */
  async up() {
    this.process = spawn(bin('workshoppilot-server'), ['serve', '--addr', `127.0.0.1:${this.port}`], {
      env: { ...process.env, DATABASE_URL: this.databaseUrl, RUST_LOG: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitForHealth(this.url);
  }

  /** Stops serving (the app sees it as unreachable). */
  async down() {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((r) => this.process.once('exit', r));
    this.process.kill('SIGTERM');
    await exited;
  }

  /** Gives the user with `userId` `n` workshops straight in the server's database, as another
   * device's years of work would be: each with PawPal's ten step outputs and a note
   * (12 rows each). Their titles are "Seeded 0001" and so on. */
  seedWorkshops(userId, n) {
    const pawpal = JSON.parse(readFileSync(path.join(repo, 'tests/fixtures/pawpal.workshop.json'), 'utf8'));
    const outputs = JSON.stringify(Object.fromEntries(Object.entries(pawpal.steps).map(([id, s]) => [id, s.artifact])));
    this.sql(`BEGIN;
      INSERT INTO workshops (id, owner_id, title, created_at, updated_at)
        SELECT 'ws_seed' || g, '${userId}', 'Seeded ' || lpad(g::text, 4, '0'), now(), now() FROM generate_series(1, ${n}) g;
      INSERT INTO workshop_steps (id, workshop_id, step_id, status, output, started_at, updated_at)
        SELECT 'wst_seed' || g || '_' || d.position, 'ws_seed' || g, d.id,
               CASE WHEN d.position = 1 THEN 'in_progress' ELSE 'not_started' END,
               $pawpal$${outputs}$pawpal$::jsonb -> d.id, CASE WHEN d.position = 1 THEN now() END, now()
        FROM generate_series(1, ${n}) g CROSS JOIN step_definitions d;
      INSERT INTO notes (id, workshop_id, user_id, content)
        SELECT 'note_seed' || g, 'ws_seed' || g, '${userId}', 'Call the vet before the session.' FROM generate_series(1, ${n}) g;
      COMMIT;`);
  }

  /** SQL against the server's database, for checks. */
  sql(query) {
    return execFileSync('psql', [this.databaseUrl, '-Atqc', query], { encoding: 'utf8' }).trim();
  }
}

/** The CLI as a second desktop of the same user: its own database, the token from the environment. */
export class CliClient {
  constructor(server, token = server.token) {
    this.server = server;
    this.token = token;
    this.dir = mkdtempSync(path.join(tmpdir(), 'workshoppilot-cli-'));
  }

  /** Runs the CLI; returns {status, stdout, stderr} (exit code 7 means conflicts or refusals remain). */
  run(args) {
    try {
      const stdout = execFileSync(bin('workshoppilot'), args, {
        env: {
          ...process.env,
          WORKSHOPPILOT_DB: path.join(this.dir, 'cli.db'),
          WORKSHOPPILOT_TOKEN: this.token,
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { status: 0, stdout, stderr: '' };
    } catch (e) {
      if (typeof e.status !== 'number') throw e;
      return { status: e.status, stdout: e.stdout, stderr: e.stderr };
    }
  }

  /** Runs the CLI and fails on a nonzero exit other than those in `allowed`. */
  ok(args, allowed = []) {
    const r = this.run(args);
    if (r.status !== 0 && !allowed.includes(r.status)) {
      throw new Error(`workshoppilot ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    }
    return r;
  }

  login() {
    return this.ok(['login', '--server', this.server.url, '--no-keyring']);
  }

  sync(allowed = []) {
    return this.ok(['sync'], allowed);
  }
}

/** The keyring's token for `url`, or null (secret-tool from libsecret-tools). */
export function keyringToken(url) {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'ai.workshoppilot.desktop', 'username', url], { encoding: 'utf8' });
  } catch {
    return null;
  }
}
