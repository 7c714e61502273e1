// Issue 14.4: roles have a face. A VIEWER account is offered no upload, no "Save as panel",
// no "New panel", no team creation and — on a panel shared with it — no edit and no share;
// each place says why. A USER is offered all of them.
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const VIEWER = process.env.VIEWER_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

async function login(page, name) {
  await page.goto(BASE_URL + '/');
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username role } } }',
    { i: { login: name, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === name, 'logged in: ' + JSON.stringify(answer));
  return answer.data.login.user.role;
}

await run(async (browser, errors) => {
  const user = await newPage(browser, errors);
  check((await login(user, USER)) === 'USER', 'a USER');
  const created = await graphql(
    user,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Shared with a viewer', genes: [{ symbol: 'BRCA1' }, { symbol: 'TP53' }] } },
  );
  const id = created.data.createSavedPanel.id;
  const share = await graphql(
    user,
    'mutation($i: SharePanelInput!) { sharePanel(input: $i) { __typename } }',
    { i: { panelId: id, username: VIEWER, permission: 'EDIT' } },
  );
  check(!share.errors, 'shared: ' + JSON.stringify(share));

  // The USER is offered everything.
  await user.goto(BASE_URL + '/workbench');
  await user.locator('#save-merge-form').waitFor();
  await user.locator('#upload-input').waitFor({ state: 'attached' });
  check((await user.locator('#upload-refused').count()) === 0, 'USER: no refusal');
  await user.goto(`${BASE_URL}/saved/${id}`);
  await user.locator('#share-button').waitFor();
  check((await user.locator('#edit-genes').count()) === 1, 'USER: edit');

  // The VIEWER is offered none of it, and told why.
  const viewer = await newPage(browser, errors);
  check((await login(viewer, VIEWER)) === 'VIEWER', 'a VIEWER');
  await viewer.goto(BASE_URL + '/workbench');
  const refusedUpload = viewer.locator('#upload-refused');
  await refusedUpload.waitFor();
  check((await refusedUpload.textContent()).includes('Viewer role'), 'says why: ' + (await refusedUpload.textContent()));
  check((await viewer.locator('#upload-input, #drop-zone').count()) === 0, 'VIEWER: no upload');
  check((await viewer.locator('#save-merge-form').count()) === 0, 'VIEWER: no save as panel');
  check((await viewer.locator('#save-refused').textContent()).includes('Viewer role'), 'save refusal says why');
  // The workbench itself still works: the picker is there.
  check((await viewer.locator('#panel-picker').count()) === 1, 'VIEWER: the picker');

  await viewer.goto(BASE_URL + '/saved');
  await viewer.locator('#new-panel-refused').waitFor();
  check((await viewer.getByRole('link', { name: 'New panel' }).count()) === 0, 'VIEWER: no New panel');
  await viewer.goto(BASE_URL + '/saved/new');
  await viewer.locator('#new-panel-refused').waitFor();
  check((await viewer.locator('#new-panel-form').count()) === 0, 'VIEWER: no new panel form');
  await viewer.goto(BASE_URL + '/teams');
  await viewer.locator('#new-team-refused').waitFor();
  check((await viewer.locator('#new-team-form').count()) === 0, 'VIEWER: no new team form');

  await viewer.goto(`${BASE_URL}/saved/${id}`);
  await viewer.locator('#genes-table tbody tr').first().waitFor();
  await viewer.locator('#read-only-notice').waitFor();
  check((await viewer.locator('#edit-genes').count()) === 0, 'VIEWER: no edit (save) even with an EDIT share');
  check((await viewer.locator('#share-button').count()) === 0, 'VIEWER: no share');
  check((await viewer.getByRole('button', { name: /^Save/ }).count()) === 0, 'VIEWER: no save button');
  check((await viewer.locator('#delete-panel').count()) === 0, 'VIEWER: no delete');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
