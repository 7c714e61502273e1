// Issue 14.6: axe-core finds no serious or critical violation on any page of the app — as a
// visitor, as a user (with panels, a team, the workbench filled) and as an admin — at 1280 px
// and at 390 px; and the main workflow works with the keyboard alone (skip link, picker,
// evidence boxes, save as panel).
import { BASE_URL, check, checkAccessibility, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
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

/** Opens `path`, waits for `ready`, and runs axe at the page's current width. */
async function audit(page, path, ready) {
  await page.goto(BASE_URL + path);
  await page.locator(ready).first().waitFor();
  // Let late answers (banners, live status) settle into the page before checking.
  await page.waitForLoadState('networkidle');
  await checkAccessibility(page, path);
}

await run(async (browser, errors) => {
  // Visitors.
  const visitor = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
  for (const [path, ready] of [
    ['/', '#start-gene-list'],
    ['/panels', '#panel-results li'],
    ['/panels/uk/402', '#entities-table tbody tr'],
    ['/workbench', '#panel-picker'],
    ['/login', '#login-name'],
    ['/register', 'form'],
    ['/no/such/page', 'main h1'],
  ]) {
    await audit(visitor, path, ready);
  }

  // The workbench by keyboard alone: skip link, picker, Enter; then axe with a panel, an
  // open list and the overlap.
  await visitor.goto(BASE_URL + '/workbench');
  await visitor.locator('#panel-picker').waitFor();
  await visitor.keyboard.press('Tab');
  const skip = await visitor.evaluate(() => document.activeElement?.className);
  check(String(skip).includes('skip-link'), `the first Tab reaches the skip link (${skip})`);
  await visitor.keyboard.press('Enter');
  let tabs = 0;
  while (tabs < 40 && (await visitor.evaluate(() => document.activeElement?.id)) !== 'panel-picker') {
    await visitor.keyboard.press('Tab');
    tabs += 1;
  }
  check(tabs < 40, 'Tab reaches the picker');
  await visitor.keyboard.type('epilepsy');
  await visitor.waitForFunction(() => document.querySelector('#panel-picker')?.getAttribute('aria-expanded') === 'true');
  await checkAccessibility(visitor, 'the workbench picker, open');
  await visitor.keyboard.press('ArrowDown');
  await visitor.keyboard.press('Enter');
  await visitor.locator('li.chosen-panel').first().waitFor();
  // The evidence boxes toggle with Space from the keyboard.
  const amber = visitor.locator('li.chosen-panel input[data-level="AMBER"]').first();
  await amber.focus();
  await visitor.keyboard.press('Space');
  check(await amber.isChecked(), 'Space ticks amber');
  await visitor.locator('#add-panel-source').selectOption('AU');
  await visitor.locator('#add-panel-id').fill('3149');
  await visitor.locator('#add-panel-id').press('Enter');
  await visitor.locator('#overlap-venn').waitFor();
  await checkAccessibility(visitor, 'the workbench with two panels');

  // A user, with panels, a team and the library's bulk bar.
  const user = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
  await login(user, USER);
  const created = await graphql(
    user,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Accessible panel', tags: ['a11y'], genes: [{ symbol: 'BRCA1' }, { symbol: 'TP53' }] } },
  );
  const id = created.data.createSavedPanel.id;
  const team = await graphql(user, 'mutation { createTeam(name: "Access lab") { id } }');
  const teamId = team.data.createTeam.id;
  await graphql(
    user,
    'mutation($i: SharePanelInput!) { sharePanel(input: $i) { __typename } }',
    { i: { panelId: id, teamId, permission: 'VIEW' } },
  );
  for (const [path, ready] of [
    ['/', '#home-recent'],
    ['/saved', '#saved-panels'],
    ['/saved/new', '#new-panel-form'],
    [`/saved/${id}`, '#genes-table tbody tr'],
    ['/teams', '#new-team-form'],
    [`/teams/${teamId}`, '#team-panels'],
    ['/profile', 'main h1'],
  ]) {
    await audit(user, path, ready);
  }
  // Dialogs and modes: the share dialog, edit mode, the bulk bar.
  await user.goto(`${BASE_URL}/saved/${id}`);
  await user.locator('#share-button').click();
  await user.locator('[role="dialog"]').waitFor();
  await checkAccessibility(user, 'the share dialog');
  await user.keyboard.press('Escape');
  await user.goto(`${BASE_URL}/saved/${id}`);
  await user.locator('#edit-genes').click();
  await user.locator('#add-genes').waitFor();
  await checkAccessibility(user, 'edit mode');
  await user.goto(BASE_URL + '/saved');
  await user.getByLabel('Select Accessible panel').check();
  await user.locator('#bulk-bar').waitFor();
  await checkAccessibility(user, 'the bulk bar');

  // An admin's pages.
  const admin = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
  await login(admin, ADMIN);
  for (const [path, ready] of [
    ['/admin/users', 'main h1'],
    ['/admin/messages', '#message-title'],
    ['/admin/audit', 'main h1'],
    ['/admin/live', 'main h1'],
    ['/admin/security', 'main h1'],
    ['/admin/panelapp', 'main h1'],
    ['/admin/server', '#server-facts'],
  ]) {
    await audit(admin, path, ready);
  }

  // The same pages at a phone's width.
  const phone = await newPage(browser, errors, { viewport: { width: 390, height: 844 } });
  await login(phone, USER);
  for (const [path, ready] of [
    ['/', '#home-recent'],
    ['/panels', '#panel-results li'],
    ['/workbench', '#panel-picker'],
    [`/saved/${id}`, '#genes-table tbody tr'],
    ['/saved', '#saved-panels'],
  ]) {
    await audit(phone, path, ready);
  }

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
