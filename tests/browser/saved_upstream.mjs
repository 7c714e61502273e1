// The upstream-update notice: a saved panel merged from UK panel 277 at 1.3, while the mock
// PanelApp already publishes 1.4 (KCNJ8 dropped, SCN5A green, KCNH2 added). The panel page says
// PanelApp has moved on, shows the upstream diff, and "Apply update" makes version 2 of
// SOURCE_UPDATED changes with the new genes.
import { BASE_URL, check, graphql, newPage, rowSymbols, run } from './lib.mjs';

const USERNAME = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/');
  const login = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USERNAME, password: PASSWORD } },
  );
  check(login.data?.login?.user?.username === USERNAME, 'logged in: ' + JSON.stringify(login));

  const created = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id currentVersion } }',
    {
      i: {
        name: 'IVF from PanelApp',
        merge: {
          panels: [{ source: 'UK', id: 277, version: '1.3', confidence: ['GREEN', 'AMBER', 'RED'] }],
        },
      },
    },
  );
  const id = created.data?.createSavedPanel?.id;
  check(id && created.data.createSavedPanel.currentVersion === 1, 'created: ' + JSON.stringify(created));

  await page.goto(`${BASE_URL}/saved/${id}`);
  await page.locator('#genes-table tbody tr').first().waitFor();
  check(
    JSON.stringify(await rowSymbols(page)) === JSON.stringify(['DPP6', 'KCNE5', 'KCNJ8', 'RYR2', 'SCN5A']),
    'version 1 genes: ' + (await rowSymbols(page)),
  );

  // The notice: PanelApp has 1.4, the panel holds 1.3, and what that changes.
  const notice = page.locator('#upstream-notice');
  await notice.waitFor();
  const said = await notice.textContent();
  check(said.includes('PanelApp has version 1.4') && said.includes('this panel holds 1.3'), 'notice: ' + said);
  check(said.includes('1 added, 1 removed, 1 changed'), 'upstream diff summary: ' + said);
  await notice.locator('summary').first().click();
  const diff = await page.locator('#upstream-diff').textContent();
  check(diff.includes('+ KCNH2'), 'upstream adds KCNH2: ' + diff);
  check(diff.includes('− KCNJ8'), 'upstream removes KCNJ8: ' + diff);
  check(diff.includes('SCN5A: PanelApp rating Amber → Green'), 'upstream re-rates SCN5A: ' + diff);

  // Apply it: version 2 with the upstream genes, made of SOURCE_UPDATED changes; no more notice.
  await page.locator('#apply-upstream').click();
  await page.waitForFunction(() =>
    document.querySelector('#panel-facts')?.textContent?.includes('Version 2 · 5 genes'),
  );
  check(
    JSON.stringify(await rowSymbols(page)) === JSON.stringify(['DPP6', 'KCNE5', 'KCNH2', 'RYR2', 'SCN5A']),
    'version 2 genes: ' + (await rowSymbols(page)),
  );
  check((await page.locator('tr[data-symbol="SCN5A"]').textContent()).includes('Green'), 'SCN5A green');
  const timeline = await page.locator('#versions li[data-version="2"]').textContent();
  check(timeline.includes('8 PanelApp updates taken'), 'timeline names the upstream changes: ' + timeline);
  check(timeline.includes('uk-277@1.3') && timeline.includes('uk-277@1.4'), 'comment names the move: ' + timeline);
  await page.locator('#upstream-notice').waitFor({ state: 'detached' });
  const changes = await graphql(
    page,
    'query($id: ID!) { savedPanel(id: $id) { changes(version: 2) { nodes { changeType target } } } }',
    { id },
  );
  const rows = changes.data.savedPanel.changes.nodes;
  check(rows.length >= 4 && rows.every((c) => c.changeType === 'SOURCE_UPDATED'), 'changes: ' + JSON.stringify(rows));
  for (const target of ['KCNH2', 'KCNJ8', 'SCN5A', 'uk-277']) {
    check(rows.some((c) => c.target === target), `a change for ${target}: ` + JSON.stringify(rows));
  }

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
