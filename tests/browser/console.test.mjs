// End-to-end test of the web console in a real browser (Debian's chromium, driven by
// playwright-core). Usage: node console.test.mjs CHITIN_BINARY FIXTURES_DIR
// Starts a fresh installation with one signed skill, runs `chitin gateway --port 0`, then in
// the browser: logs in with the token, checks the cookie flags, sends a chat message (the
// installation has no model: the console must say that no model is configured), sees a pending
// approval (created in the shared store as an agent turn would), approves it, reads the
// audit viewer filtered by type (the login and the decision), lists the skill with its permissions, runs the
// doctor, checks the layout on a phone-sized screen and that no CSP violation occurred, and
// logs out. Exits non-zero on the first failed check.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [chitin, fixtures] = process.argv.slice(2);
if (!chitin || !fixtures) {
  console.error('usage: node console.test.mjs CHITIN_BINARY FIXTURES_DIR');
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'chitin-browser-'));
const home = join(scratch, 'home');
const env = { PATH: '/usr/bin:/bin', HOME: scratch, CHITIN_HOME: home };
let gateway = null;
let browser = null;

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

function run(args) {
  const result = spawnSync(chitin, args, { env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`chitin ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout;
}

function startGateway() {
  return new Promise((resolve, reject) => {
    gateway = spawn(chitin, ['gateway', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`gateway not ready: ${output}`)), 20000);
    gateway.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/ready on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    gateway.stderr.on('data', (chunk) => { output += chunk; });
    gateway.on('exit', (code) => reject(new Error(`gateway exited ${code}: ${output}`)));
  });
}

async function main() {
  run(['init']);
  run(['skill', 'keygen', '--out', join(scratch, 'acme')]);
  const skill = join(scratch, 'weather-report');
  cpSync(join(fixtures, 'benign', 'weather-report'), skill, { recursive: true });
  run(['skill', 'sign', skill, '--key', join(scratch, 'acme.key')]);
  run(['skill', 'trust', 'add', join(scratch, 'acme.pub')]);
  run(['skill', 'install', skill, '--yes']);
  const token = readFileSync(join(home, 'gateway.token'), 'utf8').trim();

  const url = await startGateway();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(url);
  check(await page.isVisible('#login-view'), 'the console opens on the login form');
  await page.fill('#token', 'chtn_gw_not-the-token');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login-error:has-text("invalid token")');
  check(true, 'a wrong token is refused with a message');
  problems.length = 0;  // the 401 of the failed login is logged by the browser; that is expected

  await page.fill('#token', token);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#app-view', { state: 'visible' });
  check((await page.textContent('#who')).includes('operator.admin'), 'logged in with every scope');
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name === 'chitin_session');
  check(session && session.httpOnly && session.sameSite === 'Strict',
    'the session cookie is HttpOnly and SameSite=Strict');
  check(!(await page.evaluate(() => document.cookie)).includes('chitin_session'),
    'page scripts cannot read the session cookie');

  await page.fill('#chat-input', 'hello from the browser');
  await page.click('#chat-form button[type=submit]');
  await page.waitForSelector('#messages li.error:has-text("no model is configured")');
  check(true, 'chat without a model says how to configure one');

  // An approval as an agent turn creates it (the agent arrives with #8; the store is shared).
  const helper = spawnSync(process.env.APPROVAL_HELPER, [home, '300'], { env, encoding: 'utf8' });
  check(helper.status === 0, `a pending approval was requested (${helper.stderr})`);
  const approvalId = helper.stdout.trim();
  await page.click('nav button[data-tab=approvals]');
  await page.waitForSelector(`#approvals li:has-text("${approvalId}")`);
  check((await page.textContent('#approvals')).includes('/usr/bin/make'),
    'the approvals view shows the pending action');
  await page.click(`#approvals li:has-text("${approvalId}") button:has-text("approve")`);
  await page.waitForSelector('#approvals li:has-text("No pending approvals.")');
  check(true, 'approving it from the console resolves it');
  const status = JSON.parse(run(['approvals', 'list', '--json']));
  check(status.length === 0, 'the CLI sees the same approvals (none pending any more)');

  await page.click('nav button[data-tab=audit]');
  await page.fill('#audit-type', 'auth');
  await page.click('#audit-form button[type=submit]');
  await page.waitForSelector('#audit-table tbody tr:has-text("auth.login")');
  // The unfiltered table of the tab's first load may still be showing (it has auth.login too):
  // wait until the filtered answer has replaced it, or until the wait times out.
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('#audit-table tbody td:nth-child(3)')];
    return cells.length > 0 && cells.every((c) => c.textContent.startsWith('auth'));
  }, null, { timeout: 15000 }).catch(() => {});
  const types = await page.$$eval('#audit-table tbody td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
  check(types.length > 0 && types.every((type) => type.startsWith('auth')),
    'the audit viewer shows the login, filtered by type');
  await page.fill('#audit-type', 'approval');
  await page.click('#audit-form button[type=submit]');
  await page.waitForSelector(`#audit-table tbody tr:has-text("${approvalId}")`);
  check((await page.textContent('#audit-table tbody')).includes('approved'),
    'the audit viewer shows the approval decision');

  await page.click('nav button[data-tab=skills]');
  await page.waitForSelector('#skills li:has-text("weather-report")');
  check((await page.textContent('#skills')).includes('api.open-meteo.com:443'),
    'the skills view shows the installed skill and its permissions');

  await page.click('nav button[data-tab=doctor]');
  await page.click('#doctor-run');
  await page.waitForSelector('#doctor li:has-text("chitin.version")', { timeout: 30000 });
  check(true, 'the doctor view shows findings');

  await page.setViewportSize({ width: 375, height: 740 });
  await page.click('nav button[data-tab=audit]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'no horizontal scrolling on a phone-sized screen');

  check(problems.length === 0, `no console errors or CSP violations (${problems.join(' | ')})`);

  await page.click('#logout');
  await page.waitForSelector('#login-view', { state: 'visible' });
  const after = await page.evaluate(async () => (await fetch('/api/session')).status);
  check(after === 401, 'logging out revokes the session');
}

let failed = false;
try {
  await main();
  console.log('browser test: all checks passed');
} catch (error) {
  console.error(error.message);
  failed = true;
} finally {
  if (browser) await browser.close();
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
    // Wait for the gateway to finish its shutdown (it writes its last audit records) before
    // removing the directory under it; SIGKILL if it takes more than 5 s.
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    const timer = setTimeout(() => gateway.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
process.exit(failed ? 1 : 0);
