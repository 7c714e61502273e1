// Issue 14.6: axe-core finds no serious or critical violation on any page of the app — as a
// visitor, as a user (with panels, versions, a team, a link share, the workbench filled) and as
// an admin — at 1280 px and at 390 px; and the main workflows work with the keyboard alone
// (skip link, picker, evidence boxes, overlap regions, save as panel, log in). Every finding of
// every page is collected and reported together: rule, elements and page.
import { BASE_URL, check, checkAccessibility, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const ADMIN = process.env.ADMIN_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;
// `visitors` (visitor pages and the keyboard workflows) or `accounts` (a user's, an admin's and
// the phone-width pages): two halves, so each stays well inside the runner's time limit.
const PART = process.env.A11Y_PART || 'visitors';

/** What axe found, page by page; the test fails at the end when anything is here. */
const findings = [];
let audited = 0;

async function axe(page, label) {
  try {
    await checkAccessibility(page, label);
    audited += 1;
  } catch (e) {
    findings.push(e.message);
  }
}

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
  await page
    .locator(ready)
    .first()
    .waitFor()
    .catch((e) => {
      throw new Error(`${path}: ${ready} never showed (${e.message.split('\n')[0]})`);
    });
  // Let late answers (banners, status lines) settle into the page before checking.
  await page.waitForLoadState('networkidle');
  await axe(page, path);
}

/** Presses Tab until the element matching `selector` has the focus (at most 60 times). */
async function tabTo(page, selector) {
  for (let tabs = 0; tabs < 60; tabs++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reaches ${selector}`);
}

await run(async (browser, errors) => {
  if (PART === 'visitors') {
    // Visitors: every page a visitor can open, e-mailed links included (with a bad token).
    const visitor = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
    for (const [path, ready] of [
      ['/', '#start-gene-list'],
      ['/panels', '#panel-results li'],
      ['/panels/uk/402', '#entities-table tbody tr'],
      ['/workbench', '#panel-picker'],
      ['/login', '#login-name'],
      ['/register', 'form'],
      ['/forgot-password', 'form'],
      ['/reset-password?token=not-a-token', 'main h1'],
      ['/verify-email?token=not-a-token', 'main h1'],
      ['/confirm-email?token=not-a-token', 'main h1'],
      ['/undo-email-change?token=not-a-token', 'main h1'],
      ['/shared/not-a-link', '.error-view'],
      ['/no/such/page', 'main h1'],
    ]) {
      await audit(visitor, path, ready);
    }

    // The workbench by keyboard alone: skip link, picker, Enter; then axe with panels, an open
    // list and the overlap, and a region chosen from the keyboard.
    await visitor.goto(BASE_URL + '/workbench');
    await visitor.locator('#panel-picker').waitFor();
    await visitor.keyboard.press('Tab');
    const skip = await visitor.evaluate(() => document.activeElement?.className);
    check(String(skip).includes('skip-link'), `the first Tab reaches the skip link (${skip})`);
    await visitor.keyboard.press('Enter');
    await tabTo(visitor, '#panel-picker');
    await visitor.keyboard.type('epilepsy');
    await visitor.waitForFunction(() => document.querySelector('#panel-picker')?.getAttribute('aria-expanded') === 'true');
    await axe(visitor, 'the workbench picker, open');
    await visitor.keyboard.press('ArrowDown');
    await visitor.keyboard.press('Enter');
    await visitor.locator('li.chosen-panel').first().waitFor();
    check(
      (await visitor.locator('#panel-picker').getAttribute('aria-expanded')) === 'false',
      'Enter chose the panel and closed the list',
    );
    // The evidence boxes toggle with Space from the keyboard.
    const amber = visitor.locator('li.chosen-panel input[data-level="AMBER"]').first();
    await amber.focus();
    await visitor.keyboard.press('Space');
    check(await amber.isChecked(), 'Space ticks amber');
    // A second panel by its id, typed and sent with Enter.
    await visitor.locator('#add-panel-source').focus();
    await visitor.keyboard.press('ArrowDown');
    check((await visitor.locator('#add-panel-source').inputValue()) === 'AU', 'the arrow keys choose the instance');
    await visitor.locator('#add-panel-id').focus();
    await visitor.keyboard.type('3149');
    await visitor.keyboard.press('Enter');
    await visitor.locator('#overlap-venn').waitFor();
    await axe(visitor, 'the workbench with two panels');
    // A region of the overlap chosen with Tab and Enter narrows the merged list.
    await tabTo(visitor, '#overlap-venn g.venn-region[data-mask="3"]');
    await visitor.keyboard.press('Enter');
    await visitor.locator('#region-filter').waitFor();
    await axe(visitor, 'the workbench with a region chosen');
    await visitor.keyboard.press('Tab');
    await tabTo(visitor, '#region-clear');
    await visitor.keyboard.press('Enter');
    await visitor.waitForFunction(() => !document.querySelector('#region-filter'));

    // Logging in by keyboard alone.
    const keyboard = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
    await keyboard.goto(BASE_URL + '/login');
    await keyboard.locator('#login-name').waitFor();
    await tabTo(keyboard, '#login-name');
    await keyboard.keyboard.type(USER);
    await keyboard.keyboard.press('Tab');
    await keyboard.keyboard.type(PASSWORD);
    await keyboard.keyboard.press('Enter');
    await keyboard.waitForURL((url) => !url.pathname.startsWith('/login'));
    const me = await graphql(keyboard, '{ me { username } }');
    check(me.data?.me?.username === USER, 'logged in from the keyboard: ' + JSON.stringify(me));
    // Then the workbench's merge saved as a panel, by keyboard alone.
    await keyboard.goto(BASE_URL + '/workbench');
    await tabTo(keyboard, '#panel-picker');
    await keyboard.keyboard.type('402');
    await keyboard.waitForFunction(() => document.querySelector('#panel-picker')?.getAttribute('aria-expanded') === 'true');
    await keyboard.keyboard.press('ArrowDown');
    await keyboard.keyboard.press('Enter');
    await keyboard.locator('li.chosen-panel').first().waitFor();
    await keyboard.locator('#merged-table tbody tr').first().waitFor();
    await tabTo(keyboard, '#save-merge-name');
    await keyboard.keyboard.type('Saved from the keyboard');
    await keyboard.keyboard.press('Enter');
    await keyboard.waitForURL(/\/saved\/[^/]+$/);
    await keyboard.locator('#genes-table tbody tr').first().waitFor();
    check(
      (await keyboard.locator('#panel-name').textContent()) === 'Saved from the keyboard',
      'the merge was saved as a panel from the keyboard',
    );
  }

  if (PART === 'accounts') {
    // A user, with a panel of two versions, a comment, a team, a link share and the bulk bar.
    const user = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
    await login(user, USER);
    const created = await graphql(
      user,
      'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
      { i: { name: 'Accessible panel', tags: ['a11y'], genes: [{ symbol: 'BRCA1' }, { symbol: 'TP53' }] } },
    );
    const id = created.data.createSavedPanel.id;
    const edited = await graphql(
      user,
      'mutation($id: ID!, $i: PanelEditInput!) { updateSavedPanel(id: $id, input: $i) { currentVersion } }',
      {
        id,
        i: {
          basedOnVersion: 1,
          comment: 'Add MYH7, rate TP53 amber',
          addGenes: [{ symbol: 'MYH7', confidence: 'GREEN' }],
          updateGenes: [{ symbol: 'TP53', confidence: 'AMBER' }],
        },
      },
    );
    check(edited.data?.updateSavedPanel?.currentVersion === 2, 'version 2: ' + JSON.stringify(edited));
    await graphql(
      user,
      'mutation($p: ID!) { commentOnPanel(panelId: $p, geneSymbol: "TP53", body: "Amber until the review") { id } }',
      { p: id },
    );
    const team = await graphql(user, 'mutation { createTeam(name: "Access lab") { id } }');
    const teamId = team.data.createTeam.id;
    await graphql(
      user,
      'mutation($i: SharePanelInput!) { sharePanel(input: $i) { __typename } }',
      { i: { panelId: id, teamId, permission: 'VIEW' } },
    );
    const link = await graphql(
      user,
      'mutation($p: ID!) { sharePanel(input: { panelId: $p, link: true, permission: VIEW }) { linkPath } }',
      { p: id },
    );
    const linkPath = link.data?.sharePanel?.linkPath;
    check(linkPath, 'a link share: ' + JSON.stringify(link));
    for (const [path, ready] of [
      ['/', '#home-recent'],
      ['/saved', '#saved-panels'],
      ['/saved/new', '#new-panel-form'],
      [`/saved/${id}`, '#genes-table tbody tr'],
      ['/teams', '#new-team-form'],
      [`/teams/${teamId}`, '#team-panels'],
      ['/profile', 'main h1'],
      ['/workbench', '#panel-picker'],
    ]) {
      await audit(user, path, ready);
    }
    // The saved panel's history with a diff of its two versions.
    await user.goto(`${BASE_URL}/saved/${id}`);
    await user.locator('#diff-changed, #diff-added').first().waitFor();
    await axe(user, 'the saved panel with its diff');
    // Dialogs and modes: the share dialog, edit mode, the library's list view and bulk bar.
    await user.locator('#share-button').click();
    await user.locator('[role="dialog"]').waitFor();
    await axe(user, 'the share dialog');
    await user.keyboard.press('Escape');
    await user.goto(`${BASE_URL}/saved/${id}`);
    await user.locator('#edit-genes').click();
    await user.locator('#add-genes').waitFor();
    await axe(user, 'edit mode');
    await user.goto(BASE_URL + '/saved');
    await user.getByRole('button', { name: 'List' }).click();
    await user.locator('table#saved-panels').waitFor();
    await user.getByLabel('Select Accessible panel').focus();
    await user.keyboard.press('Space');
    await user.locator('#bulk-bar').waitFor();
    await axe(user, 'the library list with the bulk bar');
    // The panel through its link, for someone not logged in.
    const visitor = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
    await audit(visitor, linkPath, '#genes-table tbody tr');

    // An admin's pages.
    const admin = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
    await login(admin, ADMIN);
    for (const [path, ready] of [
      ['/admin', 'main h1'],
      ['/admin/users', 'main h1'],
      ['/admin/messages', '#message-title'],
      ['/admin/audit', 'main h1'],
      ['/admin/live', 'main h1'],
      ['/admin/security', 'main h1'],
      ['/admin/mail', 'main h1'],
      ['/admin/panelapp', 'main h1'],
      ['/admin/server', '#server-facts'],
    ]) {
      await audit(admin, path, ready);
    }

    // The main pages at a phone's width.
    const phone = await newPage(browser, errors, { viewport: { width: 390, height: 844 } });
    await login(phone, USER);
    for (const [path, ready] of [
      ['/', '#home-recent'],
      ['/panels', '#panel-results li'],
      ['/panels/uk/402', '#entities-table tbody tr'],
      ['/workbench', '#panel-picker'],
      [`/saved/${id}`, '#genes-table tbody tr'],
      ['/saved', '#saved-panels'],
    ]) {
      await audit(phone, path, ready);
    }
  }

  check(findings.length === 0, `axe-core found serious or critical violations:\n${findings.join('\n')}`);
  const pages = audited + findings.length;
  check(pages >= (PART === 'visitors' ? 16 : 28), `every page was checked (${pages})`);
  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
