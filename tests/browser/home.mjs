// Issue 14.3: the home page is for people. A visitor sees what PanelMerge does and a "Start a
// gene list" path to the workbench; a logged-in user sees their recent saved panels, the panels
// shared with them and the PanelApp updates waiting (UK 277 moved from 1.3 to 1.4 in the mock).
// The server's facts are on the admin page, not on the home page.
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const OTHER = process.env.OTHER_UNDER_TEST;
const ADMIN = process.env.ADMIN_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

async function login(page, name) {
  await page.goto(BASE_URL + '/');
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: name, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === name, 'logged in: ' + JSON.stringify(answer));
}

await run(async (browser, errors) => {
  // A visitor: what it does, and the way in.
  const visitor = await newPage(browser, errors);
  await visitor.goto(BASE_URL + '/');
  const start = visitor.locator('#start-gene-list');
  await start.waitFor();
  check((await visitor.locator('main h1').textContent()).includes('gene list'), 'says what it is for');
  check((await visitor.locator('#server-facts').count()) === 0, 'no server facts for visitors');
  check((await visitor.getByText('Database').count()) === 0, 'no database name for visitors');
  await start.click();
  await visitor.waitForURL(/\/workbench$/);
  await visitor.locator('#panel-picker').waitFor();

  // Another user shares a panel with the user.
  const other = await newPage(browser, errors);
  await login(other, OTHER);
  const shared = await graphql(
    other,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Shared cardiology', genes: [{ symbol: 'MYH7' }] } },
  );
  const sharedId = shared.data.createSavedPanel.id;
  const share = await graphql(
    other,
    'mutation($i: SharePanelInput!) { sharePanel(input: $i) { __typename } }',
    { i: { panelId: sharedId, username: USER, permission: 'VIEW' } },
  );
  check(!share.errors, 'shared: ' + JSON.stringify(share));

  // The user's own panels: one from UK 277 at 1.3 (PanelApp has 1.4), one from genes.
  const page = await newPage(browser, errors);
  await login(page, USER);
  const fromPanelApp = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    {
      i: {
        name: 'IVF from PanelApp',
        merge: { panels: [{ source: 'UK', id: 277, version: '1.3', confidence: ['GREEN', 'AMBER', 'RED'] }] },
      },
    },
  );
  const ivf = fromPanelApp.data?.createSavedPanel?.id;
  check(ivf, 'created from PanelApp: ' + JSON.stringify(fromPanelApp));
  await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Hand-made list', genes: [{ symbol: 'BRCA1' }, { symbol: 'TP53' }] } },
  );

  await page.goto(BASE_URL + '/');
  const recent = page.locator('#home-recent');
  await recent.waitFor();
  const names = await recent.locator('li > a').allTextContents();
  check(
    JSON.stringify(names) === JSON.stringify(['Hand-made list', 'IVF from PanelApp']),
    'recent panels, newest first: ' + JSON.stringify(names),
  );
  const sharedList = page.locator('#home-shared');
  await sharedList.waitFor();
  check((await sharedList.textContent()).includes('Shared cardiology'), 'the shared panel is listed');
  const upstream = page.locator('ul#home-upstream');
  await upstream.waitFor();
  const waiting = await upstream.textContent();
  check(waiting.includes('IVF from PanelApp') && waiting.includes('1.4'), 'the update waits: ' + waiting);
  check(!waiting.includes('Hand-made'), 'a hand-made list has no upstream');
  await upstream.getByRole('link', { name: 'IVF from PanelApp' }).click();
  await page.waitForURL(`${BASE_URL}/saved/${ivf}`);
  check((await page.locator('#server-facts').count()) === 0, 'no server facts for users');

  // The admin finds the server's facts in the admin area.
  const admin = await newPage(browser, errors);
  await login(admin, ADMIN);
  await admin.goto(BASE_URL + '/admin/server');
  const facts = admin.locator('#server-facts');
  await facts.waitFor();
  const text = await facts.textContent();
  check(/Version/.test(text) && /(SQLite|PostgreSQL)/.test(text), 'the admin sees the facts: ' + text);
  await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Server' }).waitFor();

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
