// Issue 17.9: the share picker is an ARIA 1.2 combobox used from the keyboard (Down, Up,
// Enter, Escape) and takes an exactly typed username; a share link has a Copy button, and a
// lost link is replaced by a new one (the server keeps only a digest, so the old one can not
// be shown again) while the old link stops working.
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const OWNER = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;
// Two colleagues whose names start alike ("erin", "erik") and one typed exactly ("bea").
const [FIRST, SECOND, EXACT] = process.env.RECIPIENTS_UNDER_TEST.split(',');

async function login(page, username) {
  await page.goto(BASE_URL + '/');
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: username, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === username, 'logged in: ' + JSON.stringify(answer));
}

async function openShare(page, id) {
  await page.goto(`${BASE_URL}/saved/${id}`);
  await page.locator('#share-button').click();
  await page.locator('#share-dialog').waitFor();
}

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  await login(page, OWNER);
  const created = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Keyboard panel', genes: [{ symbol: 'BRCA1' }] } },
  );
  const id = created.data?.createSavedPanel?.id;
  check(id, 'created: ' + JSON.stringify(created));

  // The combobox from the keyboard.
  await openShare(page, id);
  await page.getByLabel('User', { exact: true }).check();
  const box = page.locator('#share-user');
  check((await box.getAttribute('role')) === 'combobox', 'a combobox');
  await box.focus();
  await page.keyboard.type(FIRST.slice(0, 3));
  await page.locator('#share-user-options [role="option"]').nth(1).waitFor();
  check((await box.getAttribute('aria-expanded')) === 'true', 'expanded while listing');
  const offered = await page.$$eval('#share-user-options [role="option"]', (o) => o.map((x) => x.dataset.username));
  check(offered.includes(FIRST) && offered.includes(SECOND), 'both offered: ' + offered);
  await page.keyboard.press('ArrowDown');
  const firstId = await page.locator('#share-user-options [role="option"]').nth(0).getAttribute('id');
  check((await box.getAttribute('aria-activedescendant')) === firstId, 'Down moves to the first option');
  check(
    (await page.locator(`#${firstId}`).getAttribute('aria-selected')) === 'true',
    'the active option is marked selected',
  );
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  check((await box.getAttribute('aria-activedescendant')) === firstId, 'Up moves back');
  await page.keyboard.press('ArrowUp');
  const lastId = await page.locator('#share-user-options [role="option"]').last().getAttribute('id');
  check((await box.getAttribute('aria-activedescendant')) === lastId, 'Up from the first wraps to the last');
  // Escape closes the list, a second Escape clears the text.
  await page.keyboard.press('Escape');
  check((await page.locator('#share-user-options').count()) === 0, 'Escape closes the list');
  check((await box.getAttribute('aria-expanded')) === 'false', 'collapsed');
  check((await page.locator('#share-dialog').count()) === 1, 'the dialog stays open');
  await page.keyboard.press('Escape');
  check((await box.inputValue()) === '', 'a second Escape clears the text');
  // Down, Enter chooses (and does not submit the form).
  await page.keyboard.type(FIRST.slice(0, 3));
  await page.locator('#share-user-options [role="option"]').first().waitFor();
  await page.keyboard.press('ArrowDown');
  const chosenName = await page.locator('#share-user-options [role="option"]').first().getAttribute('data-username');
  await page.keyboard.press('Enter');
  await page.locator('#share-user-chosen').waitFor();
  check((await page.locator('#share-user-chosen').textContent()).includes(chosenName), 'Enter chose ' + chosenName);
  check((await box.inputValue()) === chosenName, 'the box shows the choice');
  check((await page.locator('#shares-table').count()) === 0, 'Enter on an option did not share yet');
  await page.locator('#share-submit').click();
  await page.locator('#shares-table tbody tr').filter({ hasText: chosenName }).waitFor();

  // An exactly typed username is accepted without choosing from the list.
  await box.fill(EXACT);
  await page.locator('#share-permission').selectOption('COMMENT');
  await page.locator('#share-submit').click();
  const row = page.locator('#shares-table tbody tr').filter({ hasText: EXACT });
  await row.or(page.locator('#share-form [role="alert"]')).first().waitFor();
  check(
    (await page.locator('#share-form [role="alert"]').count()) === 0,
    'the typed name is accepted: ' + (await page.locator('#share-form').innerText()),
  );
  check((await row.textContent()).includes('Comment'), 'shared with the typed name: ' + (await row.textContent()));
  // A name nobody has says so.
  await box.fill('no-such-person');
  await page.locator('#share-submit').click();
  const refusal = page.locator('#share-form [role="alert"]');
  await refusal.waitFor();
  check((await refusal.textContent()).includes('no-such-person'), 'names the unknown name: ' + (await refusal.textContent()));

  // A link with a Copy button.
  await page.getByLabel('Link', { exact: true }).check();
  await page.locator('#share-permission').selectOption('VIEW');
  await page.locator('#share-submit').click();
  const first = await page.locator('#share-link').inputValue();
  check(first.startsWith(BASE_URL + '/shared/'), 'a link: ' + first);
  check((await page.locator('#share-link-note').textContent()).includes('can not show it again'), 'says why to copy now');
  await page.locator('#share-link-copy').click();
  await page.locator('#share-link-copied').filter({ hasText: 'Copied' }).waitFor();
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  check(clipboard === first, 'the link is on the clipboard: ' + clipboard);

  // Later (the dialog closed and opened again) the link is not shown, but a new one can be made.
  await page.locator('#share-dialog').getByRole('button', { name: 'Close' }).click();
  await openShare(page, id);
  check((await page.locator('#share-link').count()) === 0, 'the old link is not shown again');
  const linkRow = page.locator('#shares-table tbody tr').filter({ hasText: 'Link' });
  await linkRow.waitFor();
  let asked = null;
  page.once('dialog', (d) => {
    asked = d.message();
    d.accept();
  });
  await linkRow.locator('.share-new-link').click();
  await page.locator('#share-link').waitFor();
  check(asked && asked.includes('stops working'), 'asked first: ' + asked);
  const second = await page.locator('#share-link').inputValue();
  check(second.startsWith(BASE_URL + '/shared/') && second !== first, 'a new link: ' + second);
  check((await page.locator('#share-link-note').textContent()).includes('no longer works'), 'says the old one ended');

  // The new link opens the panel; the old one is refused.
  const visitor = await newPage(browser, errors);
  await visitor.goto(second);
  await visitor.locator('#panel-name').waitFor();
  check((await visitor.locator('#panel-name').textContent()) === 'Keyboard panel', 'the new link works');
  const old = await graphql(
    visitor,
    'query($t: String!) { sharedPanel(token: $t) { name } }',
    { t: first.split('/shared/')[1] },
  );
  check(old.errors?.[0]?.extensions?.reason === 'is_not_valid', 'the old link is refused: ' + JSON.stringify(old));

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
