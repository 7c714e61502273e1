// Issue 17.9 (part): R-codes shown for a panel; the selected source tab and Grid/List toggle
// look selected, not disabled; a VIEW recipient is told the panel is read-only.
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const OWNER = process.env.USERNAME_UNDER_TEST;
const RECIPIENT = process.env.RECIPIENT_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

async function login(page, username) {
  await page.goto(BASE_URL + '/');
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: username, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === username, 'logged in: ' + JSON.stringify(answer));
}

const looks = (locator) =>
  locator.evaluate((el) => {
    const s = getComputedStyle(el);
    return { bg: s.backgroundColor, opacity: s.opacity, color: s.color };
  });

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);

  // R-codes: UK 402 is R59 in the test directory.
  await page.goto(BASE_URL + '/panels/uk/402');
  await page.locator('#panel-codes').waitFor();
  check((await page.locator('#panel-codes').textContent()).includes('R59'), 'R59 shown');

  // The selected source tab looks selected and enabled.
  await page.goto(BASE_URL + '/panels');
  const selected = page.locator('[role="tab"][aria-selected="true"]');
  const other = page.locator('[role="tab"][aria-selected="false"]').first();
  await selected.waitFor();
  const on = await looks(selected);
  const off = await looks(other);
  check(on.opacity === '1', 'selected tab not faded: ' + JSON.stringify(on));
  check(on.bg !== off.bg, `selected tab stands out: ${JSON.stringify(on)} vs ${JSON.stringify(off)}`);

  // Grid/List toggle likewise, and a VIEW share is read-only and says so.
  await login(page, OWNER);
  const created = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'View only panel', genes: [{ symbol: 'BRCA1' }] } },
  );
  const id = created.data?.createSavedPanel?.id;
  check(id, 'created: ' + JSON.stringify(created));
  const shared = await graphql(
    page,
    'mutation($i: SharePanelInput!) { sharePanel(input: $i) { share { permission } } }',
    { i: { panelId: id, username: RECIPIENT, permission: 'VIEW' } },
  );
  check(shared.data?.sharePanel?.share?.permission === 'VIEW', 'shared: ' + JSON.stringify(shared));
  await page.goto(BASE_URL + '/saved');
  const grid = page.locator('.toggle button[aria-pressed="true"]');
  await grid.waitFor();
  const g = await looks(grid);
  const l = await looks(page.locator('.toggle button[aria-pressed="false"]'));
  check(g.opacity === '1' && g.bg !== l.bg, `pressed toggle stands out: ${JSON.stringify(g)} vs ${JSON.stringify(l)}`);
  await page.goto(`${BASE_URL}/saved/${id}`);
  await page.locator('#genes-table tbody tr').first().waitFor();
  check((await page.locator('#read-only-notice').count()) === 0, 'the owner sees no read-only notice');

  const other2 = await newPage(browser, errors);
  await login(other2, RECIPIENT);
  await other2.goto(`${BASE_URL}/saved/${id}`);
  await other2.locator('#read-only-notice').waitFor();
  const said = await other2.locator('#read-only-notice').textContent();
  check(said.includes('Read-only') && said.includes(OWNER), 'told it is read-only: ' + said);
  check((await other2.locator('#edit-genes').count()) === 0, 'no edit button');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
