// Screenshots of the main pages at 1280 px (issue 14.7), written to SCREENSHOT_DIR: the home
// page (visitor and user), the panel search, a panel, the workbench with two panels and their
// overlap, the library, a saved panel and a team. `make screenshots` refreshes
// docs/screenshots/ with it.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;
const DIR = process.env.SCREENSHOT_DIR;
check(DIR, 'SCREENSHOT_DIR is set');

async function shot(page, name, path, ready) {
  if (path) await page.goto(BASE_URL + path);
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle');
  const file = join(DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  check((await stat(file)).size > 10000, `${name}.png has content`);
}

await run(async (browser, errors) => {
  await mkdir(DIR, { recursive: true });
  const page = await newPage(browser, errors, { viewport: { width: 1280, height: 860 } });
  await shot(page, 'home-visitor', '/', '#start-gene-list');
  await page.goto(BASE_URL + '/panels');
  await page.locator('#panel-search').fill('cardio');
  await shot(page, 'panels', null, '#panel-results li');
  await shot(page, 'panel', '/panels/uk/402', '#entities-table tbody tr');

  await page.goto(BASE_URL + '/workbench');
  await page.locator('#panel-picker').fill('epilepsy');
  await page.locator('#panel-picker-list [role="option"]').first().waitFor();
  await shot(page, 'workbench-picker', null, '#panel-picker-list');
  await page.locator('#panel-picker').press('ArrowDown');
  await page.locator('#panel-picker').press('Enter');
  await page.locator('li.chosen-panel').first().waitFor();
  await page.locator('#add-panel-source').selectOption('AU');
  await page.locator('#add-panel-id').fill('3149');
  await page.locator('#add-panel-button').click();
  await page.locator('#overlap-venn').waitFor();
  await page.locator('#merged-heading').scrollIntoViewIfNeeded();
  await shot(page, 'workbench-merged', null, '#overlap-venn');

  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USER, password: PASSWORD } },
  );
  check(answer.data?.login, 'logged in');
  const saved = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    {
      i: {
        name: 'Epilepsy and cardiac arrhythmia',
        description: 'Early onset epilepsy genes with the cardiac channelopathies, for the joint clinic.',
        tags: ['neurology', 'cardiology'],
        merge: { panels: [{ source: 'UK', id: 402, confidence: ['GREEN', 'AMBER'] }] },
      },
    },
  );
  const id = saved.data.createSavedPanel.id;
  await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Hereditary breast and ovarian cancer', tags: ['oncology'], genes: ['BRCA1', 'BRCA2', 'PALB2', 'ATM', 'CHEK2'].map((symbol) => ({ symbol })) } },
  );
  const team = await graphql(page, 'mutation { createTeam(name: "Clinical genomics lab", description: "Panels for the regional service") { id } }');
  await graphql(
    page,
    'mutation($i: SharePanelInput!) { sharePanel(input: $i) { __typename } }',
    { i: { panelId: id, teamId: team.data.createTeam.id, permission: 'EDIT' } },
  );
  await shot(page, 'home-user', '/', '#home-recent');
  await shot(page, 'library', '/saved', '#saved-panels');
  await shot(page, 'saved-panel', `/saved/${id}`, '#genes-table tbody tr');
  await shot(page, 'team', `/teams/${team.data.createTeam.id}`, '#team-panels');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
