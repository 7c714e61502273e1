// Issue 14.4: two browsers on one saved panel see each other's saves live (savedPanelChanged).
// The owner's page updates with a notice when the co-editor saves; while the owner has edits
// staged, the page says a new version arrived and keeps the edits (no silent overwrite) until
// the owner chooses to load it.
import { BASE_URL, check, graphql, newPage, rowSymbols, run } from './lib.mjs';

const OWNER = process.env.USERNAME_UNDER_TEST;
const EDITOR = process.env.EDITOR_UNDER_TEST;
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
  const owner = await newPage(browser, errors); // a browser context of its own
  const editor = await newPage(browser, errors); // another one
  await login(owner, OWNER);
  await login(editor, EDITOR);
  const created = await graphql(
    owner,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Live panel', genes: [{ symbol: 'BRCA1' }, { symbol: 'TP53' }] } },
  );
  const id = created.data.createSavedPanel.id;
  const share = await graphql(
    owner,
    'mutation($i: SharePanelInput!) { sharePanel(input: $i) { __typename } }',
    { i: { panelId: id, username: EDITOR, permission: 'EDIT' } },
  );
  check(!share.errors, 'shared: ' + JSON.stringify(share));

  for (const page of [owner, editor]) {
    await page.goto(`${BASE_URL}/saved/${id}`);
    await page.locator('#genes-table tbody tr').first().waitFor();
    await page.locator('#live-following').waitFor({ state: 'attached' });
  }

  // The co-editor saves version 2 in the app; the owner's page shows it, with a notice.
  await editor.locator('#edit-genes').click();
  await editor.locator('#add-genes').fill('MYH7');
  await editor.locator('#add-genes-button').click();
  await editor.locator('#edit-comment').fill('Cardiac gene');
  await editor.locator('#save-changes').click();
  await editor.waitForFunction(() => document.querySelector('#panel-facts')?.textContent.includes('Version 2'));
  check((await editor.locator('#live-notice').count()) === 0, 'no notice about one\'s own save');

  const notice = owner.locator('#live-notice[data-version="2"]');
  await notice.waitFor();
  check((await notice.textContent()).includes('co-editor saved version 2'), 'notice: ' + (await notice.textContent()));
  await owner.waitForFunction(() => document.querySelector('#panel-facts')?.textContent.includes('Version 2'));
  check(
    JSON.stringify(await rowSymbols(owner)) === JSON.stringify(['BRCA1', 'MYH7', 'TP53']),
    'the owner sees MYH7 without reloading: ' + (await rowSymbols(owner)),
  );

  // The owner stages an edit; the co-editor saves version 3 meanwhile.
  await owner.locator('#live-notice button').click();
  await owner.locator('#edit-genes').click();
  await owner.locator('#add-genes').fill('KCNQ1');
  await owner.locator('#add-genes-button').click();
  await owner.waitForFunction(() => document.querySelector('#pending-changes')?.textContent.includes('KCNQ1'));
  const saved = await graphql(
    editor,
    'mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion } }',
    { id, i: { basedOnVersion: 2, comment: 'Titin', addGenes: [{ symbol: 'TTN' }] } },
  );
  check(saved.data?.updateSavedPanel?.currentVersion === 3, 'version 3: ' + JSON.stringify(saved));

  const warning = owner.locator('#live-notice[data-version="3"]');
  await warning.waitFor();
  check((await warning.textContent()).includes('while you were editing'), 'warns: ' + (await warning.textContent()));
  // Nothing was overwritten: the staged edit is still there, version 3's gene is not shown yet.
  check((await owner.locator('#pending-changes').textContent()).includes('KCNQ1'), 'the staged edit stays');
  check(!(await rowSymbols(owner)).includes('TTN'), 'the page was not replaced under the edit');

  // Loading version 3 shows it (and drops the staged edit, as the button said).
  await owner.locator('#live-load').click();
  await owner.waitForFunction(() => document.querySelector('#panel-facts')?.textContent.includes('Version 3'));
  const symbols = await rowSymbols(owner);
  check(symbols.includes('TTN') && !symbols.includes('KCNQ1'), 'version 3 loaded: ' + symbols);

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
