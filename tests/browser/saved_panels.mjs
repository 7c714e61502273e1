// Saved panels in the browser: a visitor is sent to log in; a user creates a panel from
// pasted genes, edits it (add, remove, re-rate) with the pending diff previewed, saves a
// version, compares versions, shares a link, and the link opens in a fresh browser context
// without logging in.
import { readFile } from 'node:fs/promises';
import { BASE_URL, check, graphql, newPage, rowSymbols, run } from './lib.mjs';

const USERNAME = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);

  // A visitor is sent to the login page, with the way back.
  await page.goto(BASE_URL + '/saved/new');
  await page.waitForURL(/\/login\?next=%2Fsaved%2Fnew$/);

  // Log in through the API (the session cookie is HttpOnly and same-origin).
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USERNAME, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === USERNAME, 'logged in: ' + JSON.stringify(answer));

  // Create a panel from pasted genes.
  await page.goto(BASE_URL + '/saved');
  await page.locator('#saved-total').waitFor();
  check((await page.locator('#saved-total').textContent()).includes('0 panels'), 'no panels yet');
  await page.getByRole('link', { name: 'New panel' }).click();
  await page.locator('#new-panel-form').waitFor();
  await page.locator('input[name="name"]').fill('Cardiac test panel');
  await page.locator('textarea[name="description"]').fill('For the browser test');
  await page.locator('input[name="tags"]').fill('cardiac, test');
  await page.locator('textarea[name="genes"]').fill('brca1\nTP53, MYH7\nMYH7');
  await page.getByText('3 genes').waitFor();
  await page.getByRole('button', { name: 'Create panel' }).click();
  await page.waitForURL(/\/saved\/(?!new$)[^/]+$/);
  const panelUrl = page.url();
  await page.locator('#genes-table tbody tr').first().waitFor();
  check((await page.locator('#panel-name').textContent()) === 'Cardiac test panel', 'panel name');
  check(
    JSON.stringify(await rowSymbols(page)) === JSON.stringify(['BRCA1', 'MYH7', 'TP53']),
    'version 1 genes: ' + (await rowSymbols(page)),
  );
  check((await page.locator('#panel-facts').textContent()).includes('Version 1 · 3 genes'), 'facts v1');

  // Edit: add KCNQ1, remove TP53, rate MYH7 green; the pending diff is previewed.
  await page.locator('#edit-genes').click();
  await page.locator('#add-genes').fill('kcnq1');
  await page.locator('#add-genes-button').click();
  await page.getByRole('button', { name: 'Remove TP53' }).click();
  await page.getByLabel('Rating of MYH7').selectOption('GREEN');
  await page.locator('#edit-comment').fill('Cardiac genes only');
  const pending = page.locator('#pending-changes');
  await page.waitForFunction(() =>
    document.querySelector('#pending-changes')?.textContent?.includes('Pending: 1 gene added, 1 gene removed, 1 rating changed'),
  );
  const pendingText = await pending.textContent();
  check(pendingText.includes('+ KCNQ1'), 'pending shows KCNQ1 added: ' + pendingText);
  check(pendingText.includes('− TP53'), 'pending shows TP53 removed: ' + pendingText);
  check(pendingText.includes('MYH7: none → Green (custom rating)'), 'pending shows MYH7 rating: ' + pendingText);
  await page.locator('#save-changes').click();
  await page.waitForFunction(() =>
    document.querySelector('#panel-facts')?.textContent?.includes('Version 2 · 3 genes'),
  );
  check(
    JSON.stringify(await rowSymbols(page)) === JSON.stringify(['BRCA1', 'KCNQ1', 'MYH7']),
    'version 2 genes: ' + (await rowSymbols(page)),
  );
  const myh7 = await page.locator('tr[data-symbol="MYH7"]').textContent();
  check(myh7.includes('Green'), 'MYH7 is rated green: ' + myh7);
  const timeline = await page.locator('#versions').textContent();
  check(timeline.includes('Version 2 (current)') && timeline.includes('Cardiac genes only'), 'timeline: ' + timeline);

  // The diff view compares version 1 with version 2.
  await page.waitForFunction(() => document.querySelector('#diff-added')?.textContent?.includes('KCNQ1'));
  check((await page.locator('#diff-removed').textContent()).includes('TP53'), 'diff: TP53 removed');
  const changed = await page.locator('#diff-changed').textContent();
  check(changed.includes('MYH7') && changed.includes('GREEN'), 'diff: MYH7 changed: ' + changed);

  // A stale edit is refused with a clear message: save v3 through the API, then edit from v2.
  await page.locator('#edit-genes').click();
  const id = panelUrl.split('/').pop();
  const stale = await graphql(
    page,
    'mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion } }',
    { id, i: { basedOnVersion: 2, comment: 'meanwhile', addGenes: [{ symbol: 'SCN5A' }] } },
  );
  check(stale.data?.updateSavedPanel?.currentVersion === 3, 'concurrent save: ' + JSON.stringify(stale));
  await page.locator('#add-genes').fill('RYR2');
  await page.locator('#add-genes-button').click();
  await page.locator('#save-changes').click();
  await page.locator('#save-error').waitFor();
  check(
    (await page.locator('#save-error').textContent()).includes('Someone else saved a new version'),
    'conflict explained',
  );
  await page.getByRole('button', { name: 'Reload the panel' }).click();
  await page.waitForFunction(() =>
    document.querySelector('#panel-facts')?.textContent?.includes('Version 3 · 4 genes'),
  );

  // Comment on the panel (the owner may); the comment is listed with its time and subject.
  check((await page.locator('#no-comments').textContent()).includes('No comments yet'), 'no comments yet');
  await page.locator('#comment-body').fill('Check MYH7 against the cardiology guideline');
  await page.locator('#comment-gene').fill('myh7');
  await page.locator('#comment-submit').click();
  await page.locator('#comment-list li').first().waitFor();
  const comment = await page.locator('#comment-list li').first().textContent();
  check(comment.includes('Check MYH7 against the cardiology guideline'), 'comment body: ' + comment);
  check(comment.includes('Version 3 · MYH7'), 'comment subject: ' + comment);
  check((await page.locator('#comment-list li time').first().getAttribute('datetime')).length > 0, 'comment time');
  check((await page.locator('#comment-body').inputValue()) === '', 'comment form cleared');
  // No PanelApp sources, so no upstream notice.
  check((await page.locator('#upstream-notice').count()) === 0, 'no upstream notice');

  // Share a link.
  await page.locator('#share-button').click();
  await page.locator('#share-dialog').waitFor();
  await page.locator('#share-submit').click();
  const link = await page.locator('#share-link').inputValue();
  check(link.startsWith(BASE_URL + '/shared/'), 'share link: ' + link);
  await page.locator('#shares-table').getByRole('cell', { name: 'Link', exact: true }).waitFor();

  // My panels lists it.
  await page.goto(BASE_URL + '/saved');
  await page.locator('#saved-panels').getByText('Cardiac test panel').waitFor();

  // The link opens in a new browser context without logging in.
  const visitor = await newPage(browser, errors);
  await visitor.goto(link);
  await visitor.locator('#genes-table tbody tr').first().waitFor();
  check((await visitor.locator('#panel-name').textContent()) === 'Cardiac test panel', 'shared name');
  const shared = await rowSymbols(visitor);
  check(
    JSON.stringify(shared) === JSON.stringify(['BRCA1', 'KCNQ1', 'MYH7', 'SCN5A']),
    'shared genes: ' + shared,
  );
  // The link holder downloads the panel as Excel through the link.
  const [download] = await Promise.all([
    visitor.waitForEvent('download'),
    visitor.locator('button[data-format="XLSX"]').click(),
  ]);
  check(download.suggestedFilename().endsWith('.xlsx'), 'xlsx name: ' + download.suggestedFilename());
  const bytes = await readFile(await download.path());
  check(bytes.length > 1000 && bytes.subarray(0, 2).toString() === 'PK', 'an xlsx (zip) file');
  const me = await graphql(visitor, '{ me { id } }', {});
  check(me.data && me.data.me === null, 'the visitor is not logged in');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
