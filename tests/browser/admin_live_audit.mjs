// Issue 7: an admin watching the live audit feed sees, without reloading, the events another
// user causes in a second browser context: their registration, and a denied access highlighted
// as a security event.
import { BASE_URL, check, logIn, newPage, run } from './lib.mjs';

const admin = process.env.ADMIN_USER;
const password = process.env.PASSWORD;
const other = process.env.OTHER_USER;

await run(async (browser, errors) => {
  const adminPage = await newPage(browser, errors);
  await logIn(adminPage, admin, password, '/admin/live');
  await adminPage.waitForFunction(() => document.querySelector('#live-status')?.textContent === 'Live');

  // Someone else, in another browser context, registers and then tries an admin-only export.
  const otherErrors = [];
  const otherPage = await newPage(browser, otherErrors);
  await otherPage.goto(BASE_URL + '/register');
  await otherPage.fill('#register-username', other);
  await otherPage.fill('#register-email', `${other}@example.org`);
  await otherPage.fill('#register-password', password);
  await otherPage.getByRole('button', { name: 'Create account' }).click();
  await otherPage.waitForURL(BASE_URL + '/profile');

  const registered = adminPage.locator('#live-feed li.live-event[data-action="REGISTER"]', { hasText: other });
  await registered.waitFor();
  check(!(await registered.getAttribute('class')).includes('security'), 'a registration is not a security event');

  const csv = await otherPage.request.get(BASE_URL + '/admin/audit.csv');
  check(csv.status() === 403, `a non-admin may not export the audit log (HTTP ${csv.status()})`);
  const denied = adminPage.locator('#live-feed li.live-event.security[data-action="PRIVILEGE_ESCALATION"]', { hasText: other });
  await denied.waitFor();

  // Paused, the feed holds new events back until resumed.
  await adminPage.click('#live-pause');
  await otherPage.click('#logout');
  await adminPage.getByText(/Paused; ([1-9]\d* new events|1 new event) waiting\./).waitFor();
  const logout = adminPage.locator('#live-feed li.live-event[data-action="LOGOUT"]', { hasText: other });
  check((await logout.count()) === 0, 'a paused feed does not show new events');
  await adminPage.click('#live-pause');
  await logout.waitFor();

  // One user's events only: the admin clicks the name in the feed. The admin's own export
  // (DATA_EXPORT) is committed before the other user's next login, so had the filter let it
  // through it would be on screen by the time the login is.
  await registered.locator('button.live-user').click();
  await adminPage.locator('#live-user-filter', { hasText: other }).waitFor();
  await adminPage.waitForFunction(() => document.querySelector('#live-status')?.textContent === 'Live');
  const ownExport = await adminPage.request.get(BASE_URL + '/admin/audit.csv');
  check(ownExport.status() === 200, `the admin's export (HTTP ${ownExport.status()})`);
  await logIn(otherPage, other, password, '/profile');
  await adminPage.locator('#live-feed li.live-event[data-action="LOGIN"]', { hasText: other }).waitFor();
  check((await adminPage.locator('#live-feed li.live-event[data-action="DATA_EXPORT"]').count()) === 0,
    "another user's events are left out while one user is chosen");
  check((await adminPage.locator('#live-feed li.live-event', { hasText: admin }).count()) === 0,
    'no event of the admin is shown');
  await adminPage.locator('#live-user-filter').getByRole('button', { name: "Show every user's events" }).click();
  await adminPage.locator('#live-user-filter').waitFor({ state: 'detached' });
  await registered.waitFor();
  await otherPage.click('#logout');
  await otherPage.locator('#logout').waitFor({ state: 'detached' });

  // The audit viewer lists the same event, filtered by user and action.
  await adminPage.goto(BASE_URL + '/admin/audit');
  await adminPage.fill('#audit-usernames', other);
  await adminPage.selectOption('#audit-actions', ['PRIVILEGE_ESCALATION']);
  await adminPage.getByRole('button', { name: 'Apply filters' }).click();
  await adminPage.waitForFunction(
    () => document.querySelectorAll('#audit-log tr.audit-row').length === 1,
  );
  const href = await adminPage.locator('#audit-csv').getAttribute('href');
  check(href === `/admin/audit.csv?usernames=${other}&actions=PRIVILEGE_ESCALATION`, `CSV link keeps the filters: ${href}`);
  const exported = await adminPage.request.get(BASE_URL + href);
  check(exported.status() === 200, `the admin may export (HTTP ${exported.status()})`);
  const body = await exported.text();
  check(body.includes('PRIVILEGE_ESCALATION') && body.includes(other), `CSV holds the event: ${body}`);

  // ... and by what the rows are about: the user's sign-ins are about their account, and none
  // of their rows is about a saved panel.
  await adminPage.selectOption('#audit-actions', ['LOGIN']);
  await adminPage.selectOption('#audit-resource', 'USER');
  await adminPage.getByRole('button', { name: 'Apply filters' }).click();
  await adminPage.waitForFunction(() =>
    document.querySelectorAll('#audit-log tr.audit-row[data-action="LOGIN"]').length > 0
    && document.querySelectorAll('#audit-log tr.audit-row:not([data-action="LOGIN"])').length === 0);
  const resources = await adminPage.$$eval('#audit-log tr.audit-row td:nth-child(5)', (cells) => cells.map((c) => c.textContent));
  check(resources.every((r) => r.startsWith('user:')), `sign-ins are about accounts: ${resources}`);
  const kindHref = await adminPage.locator('#audit-csv').getAttribute('href');
  check(kindHref === `/admin/audit.csv?usernames=${other}&actions=LOGIN&resourceKinds=USER`, `CSV link keeps the kind: ${kindHref}`);
  const kindCsv = await (await adminPage.request.get(BASE_URL + kindHref)).text();
  const kindLines = kindCsv.trim().split('\n').slice(1);
  check(kindLines.length === resources.length && kindLines.every((l) => l.includes(',user,')),
    `the CSV has the same rows: ${kindCsv}`);
  await adminPage.selectOption('#audit-resource', 'SAVED_PANEL');
  await adminPage.getByRole('button', { name: 'Apply filters' }).click();
  await adminPage.getByText('0 matching entries').waitFor();
  check((await adminPage.locator('#audit-log tr.audit-row').count()) === 0, 'no sign-in is about a saved panel');

  // Users page: reset eve's password; the temporary password works once and forces a change.
  await adminPage.goto(BASE_URL + '/admin/users');
  await adminPage.fill('#user-search', other);
  await adminPage.getByRole('button', { name: 'Search' }).click();
  await adminPage.waitForFunction(() => document.querySelectorAll('#users tr.user-row').length === 1);
  await adminPage.locator(`#users tr.user-row[data-username="${other}"]`).getByRole('button', { name: 'Reset password' }).click();
  const notice = await adminPage.getByText(/^Temporary password for /).textContent();
  const temporary = notice.match(/Temporary password for \S+: (\S+) /)?.[1];
  check(temporary && temporary.length >= 8, `a temporary password is shown: ${notice}`);
  await logIn(otherPage, other, temporary, '/profile');
  await otherPage.locator('#must-change-password').waitFor();

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
