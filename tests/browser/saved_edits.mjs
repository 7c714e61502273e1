// Issue 17.6: safe edits on a saved panel. Staged edits are not lost silently (a menu item, a
// link, a reload ask first); the pending changes and version notes read in a geneticist's words;
// "Delete" asks first, says how to undo it, and a deleted panel can be restored.
import { BASE_URL, check, graphql, newPage, rowSymbols, run } from './lib.mjs';

const USERNAME = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/');
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USERNAME, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === USERNAME, 'logged in: ' + JSON.stringify(answer));
  const created = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    {
      i: {
        name: 'Lysosomal lab panel',
        genes: [
          { symbol: 'ABCA2', confidence: 'AMBER' },
          { symbol: 'SMPD1', confidence: 'GREEN' },
        ],
      },
    },
  );
  const id = created.data?.createSavedPanel?.id;
  check(id, 'created: ' + JSON.stringify(created));
  const url = `${BASE_URL}/saved/${id}`;
  await page.goto(url);
  await page.locator('#genes-table tbody tr').first().waitFor();

  // Stage: two genes added, ABCA2 rated green by the lab.
  await page.locator('#edit-genes').click();
  await page.locator('#add-genes').fill('NPC1, NPC2');
  await page.locator('#add-genes-button').click();
  await page.getByLabel('Rating of ABCA2').selectOption('GREEN');
  await page.waitForFunction(() =>
    document.querySelector('#pending-changes')?.textContent?.includes('Pending: 2 genes added, 1 rating changed'),
  );
  const pending = await page.locator('#pending-changes').textContent();
  check(pending.includes('ABCA2: Amber → Green (custom rating)'), 'the rating before and after: ' + pending);
  check(!pending.includes('customConfidence'), 'no field names: ' + pending);

  // Another menu item: asked; "Cancel" stays with the edits in place.
  let asked = null;
  page.once('dialog', (d) => {
    asked = d.message();
    d.dismiss();
  });
  await page.locator('header a[href="/workbench"]').first().click();
  check(asked && asked.includes('unsaved changes') && asked.includes('2 genes added'), 'asked before leaving: ' + asked);
  check(page.url() === url, 'still on the panel: ' + page.url());
  check(
    (await page.locator('#pending-changes').textContent()).includes('2 genes added'),
    'the edits are still staged',
  );

  // Reload: the browser's own "Leave site?" question.
  let unload = null;
  page.once('dialog', (d) => {
    unload = d.type();
    d.dismiss();
  });
  await page.reload({ timeout: 3000 }).catch(() => {});
  check(unload === 'beforeunload', 'reload asks first: ' + unload);
  check(
    (await page.locator('#pending-changes').textContent()).includes('2 genes added'),
    'the edits survive a cancelled reload',
  );

  // Save: the version note reads in words.
  await page.locator('#edit-comment').fill('Lab review');
  await page.locator('#save-changes').click();
  await page.waitForFunction(() => document.querySelector('#panel-facts')?.textContent?.includes('Version 2 · 4 genes'));
  const note = await page.locator('#versions li[data-version="2"] .version-summary').textContent();
  check(note === '2 genes added, 1 rating changed', 'version note in words: ' + note);

  // Nothing staged any more: links go without a question.
  let askedAgain = false;
  page.once('dialog', (d) => {
    askedAgain = true;
    d.accept();
  });
  await page.locator('header a[href="/workbench"]').first().click();
  await page.waitForURL(/\/workbench$/);
  check(!askedAgain, 'no question without staged edits');
  page.removeAllListeners('dialog');

  // Delete: no longer a status applied from the list; a button that asks and says how to undo.
  await page.goto(url);
  await page.locator('#genes-table tbody tr').first().waitFor();
  const options = await page.$$eval('#panel-status-select option', (o) => o.map((x) => x.value));
  check(!options.includes('DELETED'), 'no "Deleted" in the status list: ' + options);
  let question = null;
  page.once('dialog', (d) => {
    question = d.message();
    d.dismiss();
  });
  await page.locator('#delete-panel').click();
  check(question && question.includes('Lysosomal lab panel') && /undo/i.test(question), 'asked: ' + question);
  check((await page.locator('#panel-status').textContent()) === 'Active', 'cancel keeps it');
  page.once('dialog', (d) => d.accept());
  await page.locator('#delete-panel').click();
  await page.locator('#deleted-notice').waitFor();
  check((await page.locator('#panel-status').textContent()) === 'Deleted', 'deleted');
  await page.locator('#restore-panel').click();
  await page.waitForFunction(() => document.querySelector('#panel-status')?.textContent === 'Active');
  // The gene table reloads after the status change: wait for it before comparing.
  const want = JSON.stringify(['ABCA2', 'NPC1', 'NPC2', 'SMPD1']);
  await page
    .waitForFunction(
      (w) => JSON.stringify([...document.querySelectorAll('#genes-table tbody tr')].map((r) => r.dataset.symbol)) === w,
      want,
      { timeout: 10000 },
    )
    .catch(() => {});
  const got = JSON.stringify(await rowSymbols(page));
  check(got === want, 'restored as it was: ' + got);

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
