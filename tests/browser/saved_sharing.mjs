// Saved panels, sharing and ratings in the browser: the owner (whose account zone is
// Pacific/Auckland, in a browser set to New York) clears a custom rating back to PanelApp's with
// the change previewed, shares the panel with a colleague picked by name in the type-ahead, with
// an expiry that ends that day in the owner's own zone; the colleague sees it under
// "Shared with me".
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const OWNER = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;
const RECIPIENT = process.env.RECIPIENT_UNDER_TEST;
const ZONE = 'Pacific/Auckland';

async function login(page, username) {
  await page.goto(BASE_URL + '/');
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: username, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === username, 'logged in: ' + JSON.stringify(answer));
}

await run(async (browser, errors) => {
  const page = await newPage(browser, errors, { timezoneId: 'America/New_York' });
  await login(page, OWNER);
  const profile = await graphql(
    page,
    'mutation($i: ProfileInput!) { updateProfile(input: $i) { timezone } }',
    { i: { timezone: ZONE } },
  );
  check(profile.data?.updateProfile?.timezone === ZONE, 'zone set: ' + JSON.stringify(profile));
  const created = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    {
      i: {
        name: 'Shared cardiac panel',
        genes: [
          { symbol: 'MYH7', confidence: 'GREEN', customConfidence: 'AMBER' },
          { symbol: 'TNNT2', confidence: 'GREEN' },
        ],
      },
    },
  );
  const id = created.data?.createSavedPanel?.id;
  check(id, 'created: ' + JSON.stringify(created));

  // Clear MYH7's custom rating back to PanelApp's; the preview shows it going away.
  await page.goto(`${BASE_URL}/saved/${id}`);
  await page.locator('tr[data-symbol="MYH7"]').waitFor();
  check((await page.locator('tr[data-symbol="MYH7"]').textContent()).includes('Amber'), 'MYH7 amber (custom)');
  await page.locator('#edit-genes').click();
  await page.getByLabel('Rating of MYH7').selectOption('');
  await page.waitForFunction(() =>
    document.querySelector('#pending-changes')?.textContent?.includes('Pending: 1 rating changed'),
  );
  const pending = await page.locator('#pending-changes').textContent();
  check(pending.includes("MYH7: Amber → Green (back to PanelApp's rating)"), 'pending shows the rating cleared: ' + pending);
  await page.locator('#edit-comment').fill('Use PanelApp rating');
  await page.locator('#save-changes').click();
  await page.waitForFunction(() =>
    document.querySelector('#panel-facts')?.textContent?.includes('Version 2 · 2 genes'),
  );
  check((await page.locator('tr[data-symbol="MYH7"]').textContent()).includes('Green'), 'MYH7 back to green');
  const v2 = await graphql(
    page,
    'query($id: ID!) { savedPanel(id: $id) { genes(version: 2) { nodes { symbol customConfidence } } } }',
    { id },
  );
  const myh7 = v2.data.savedPanel.genes.nodes.find((g) => g.symbol === 'MYH7');
  check(myh7 && myh7.customConfidence === null, 'version 2 has no custom rating: ' + JSON.stringify(v2));

  // Share with a colleague picked by name.
  await page.locator('#share-button').click();
  await page.locator('#share-dialog').waitFor();
  await page.getByLabel('User', { exact: true }).check();
  await page.locator('#share-user').fill(RECIPIENT.slice(0, 1));
  await page.locator('#share-user-none').waitFor();
  await page.locator('#share-user').fill(RECIPIENT.slice(0, 3));
  await page.locator('#share-user-options').waitFor();
  const offered = await page.$$eval('#share-user-options [role="option"]', (b) => b.map((x) => x.dataset.username));
  check(offered.includes(RECIPIENT), 'the recipient is offered: ' + offered);
  check(!offered.includes(OWNER), 'the owner is not offered: ' + offered);
  await page.locator(`#share-user-options [role="option"][data-username="${RECIPIENT}"]`).click();
  check((await page.locator('#share-user-chosen').textContent()).includes(RECIPIENT), 'chosen');
  check((await page.locator('#share-user-options').count()) === 0, 'the list closes');
  check(
    (await page.locator('#share-expires-hint').textContent()).includes(ZONE),
    'the expiry hint names the zone',
  );
  await page.locator('#share-expires').fill('2030-01-15');
  await page.locator('#share-permission').selectOption('COMMENT');
  await page.locator('#share-submit').click();
  const row = page.locator('#shares-table tbody tr').filter({ hasText: RECIPIENT });
  await row.waitFor();
  check((await row.textContent()).includes('Comment'), 'shared to comment: ' + (await row.textContent()));
  // The day ends at 23:59:59 in Auckland (UTC+13 in January), stored in UTC, shown in Auckland.
  const expiry = row.locator('time');
  const iso = await expiry.getAttribute('datetime');
  check(iso.startsWith('2030-01-15T10:59:59'), 'expiry stored as the end of the day in Auckland: ' + iso);
  const shown = await expiry.textContent();
  check(shown.includes('15 Jan 2030') && shown.includes('23:59:59'), 'expiry shown in Auckland: ' + shown);

  // The colleague finds it under "Shared with me".
  const colleague = await newPage(browser, errors);
  await login(colleague, RECIPIENT);
  await colleague.goto(BASE_URL + '/saved');
  await colleague.locator('#saved-total').waitFor();
  await colleague.getByLabel('Show').selectOption('SHARED_WITH_ME');
  await colleague.locator('#saved-panels').getByText('Shared cardiac panel').waitFor();
  await colleague.locator('#saved-panels').getByText('Shared cardiac panel').click();
  await colleague.locator('tr[data-symbol="MYH7"]').waitFor();
  check((await colleague.locator('#panel-name').textContent()) === 'Shared cardiac panel', 'opens it');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
