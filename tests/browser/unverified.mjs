// Issue 17.2 and 17.3 in the browser: an unknown symbol is visibly UNVERIFIED from upload to
// export (diagnostics, merged list, saved panel with its notice, CSV downloads of the merge and
// of the saved panel); a previous symbol shows its mapping; the gene look-up says when PanelApp
// did not answer; a panel whose details fail to load says so, with the reason and a retry.
import { readFile } from 'node:fs/promises';
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USERNAME = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;
const PART = process.env.PART;

const CSV = 'Gene\nBRCA1\nFAKEGENE7\nMLL2\n';

async function downloaded(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return (await readFile(await download.path())).toString('utf8');
}

async function uploadToExport(page) {
  await page.goto(BASE_URL + '/');
  const answer = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USERNAME, password: PASSWORD } },
  );
  check(answer.data?.login?.user?.username === USERNAME, 'logged in: ' + JSON.stringify(answer));
  await page.goto(BASE_URL + '/workbench');
  await page.locator('#drop-zone').waitFor();
  await page.setInputFiles('#upload-input', {
    name: 'in-house.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV, 'utf8'),
  });
  const upload = page.locator('li.chosen-upload[data-upload="in-house"]');
  await upload.waitFor();

  // The upload's diagnostics: FAKEGENE7 UNVERIFIED with why, MLL2 mapped with the reason.
  const fake = upload.locator('tr[data-kind="UNVERIFIED"][data-value="FAKEGENE7"]');
  await fake.waitFor();
  const fakeText = await fake.textContent();
  check(fakeText.includes('3') && fakeText.includes('not a known HGNC symbol'),
    'FAKEGENE7 row 3 unknown to HGNC: ' + fakeText);
  const mll2 = await upload.locator('tr[data-kind="ALIAS"][data-value="MLL2"]').textContent();
  check(mll2.includes('MLL2 → KMT2D (previous symbol)'), 'MLL2 mapped: ' + mll2);

  // The merged list flags it, and says how many.
  await page.waitForFunction(() => document.querySelector('#merged-count')?.textContent === '3');
  const row = page.locator('#merged-table tr[data-symbol="FAKEGENE7"]');
  check((await row.getAttribute('data-verification')) === 'UNVERIFIED', 'merged row flagged');
  check(await row.locator('.verification-unverified').isVisible(), 'the badge is visible');
  check((await row.locator('.verification-unverified').textContent()) === 'UNVERIFIED', 'badge text');
  const kmt2d = await page.locator('#merged-table tr[data-symbol="KMT2D"]').textContent();
  check(kmt2d.includes('MLL2 → KMT2D (previous symbol)'), 'KMT2D shows its mapping: ' + kmt2d);
  check((await page.locator('#merged-table tr[data-symbol="BRCA1"] .verification').count()) === 0,
    'BRCA1 is verified: no badge');
  const notice = await page.locator('#merged-unverified').textContent();
  check(notice.includes('1 gene is UNVERIFIED'), 'merged notice: ' + notice);

  // The merge's CSV download.
  const csv = await downloaded(page, page.locator('button[data-format="CSV"]'));
  check(csv.split('\n')[0].includes('Verification'), 'a Verification column: ' + csv);
  check(/FAKEGENE7,.*UNVERIFIED: FAKEGENE7 is not a known HGNC symbol/.test(csv), 'CSV marks it: ' + csv);

  // Saved: the notice at the top and the badge; the saved panel's CSV marks it too.
  await page.locator('#save-merge-name').fill('Trio panel');
  await page.getByRole('button', { name: 'Save as panel' }).click();
  await page.waitForURL(/\/saved\/[^/]+$/);
  const savedNotice = page.locator('#unverified-notice');
  await savedNotice.waitFor();
  const savedText = await savedNotice.textContent();
  check(savedText.includes('UNVERIFIED') && savedText.includes('FAKEGENE7'), 'saved notice: ' + savedText);
  const savedRow = page.locator('#genes-table tr[data-symbol="FAKEGENE7"]');
  check((await savedRow.getAttribute('data-verification')) === 'UNVERIFIED', 'saved row flagged');
  check(await savedRow.locator('.verification-unverified').isVisible(), 'saved badge visible');
  const savedCsv = await downloaded(page, page.locator('.export-buttons button[data-format="CSV"]'));
  check(/FAKEGENE7,.*UNVERIFIED: FAKEGENE7/.test(savedCsv), 'saved CSV marks it: ' + savedCsv);
}

async function truthfulMessages(page) {
  // PanelApp's gene search fails and nothing is cached for TTN.
  await page.goto(BASE_URL + '/panels');
  await page.locator('#gene-search').fill('TTN');
  await page.locator('#gene-search-button').click();
  const unavailable = page.locator('#gene-hits-unavailable');
  await unavailable.waitFor();
  const text = await unavailable.textContent();
  check(
    text.includes('The gene look-up is unavailable right now (PanelApp UK unreachable, no cached answer).'),
    'the truthful message: ' + text,
  );
  check((await page.locator('#gene-hits-none').count()) === 0, 'never "No panel lists this gene"');

  // UK 1141 is listed in the catalogue, but its details can not be loaded.
  await page.goto(BASE_URL + '/panels/uk/1141');
  const error = page.locator('.error-view');
  await error.waitFor();
  const message = await error.textContent();
  check(message.includes('This panel could not be loaded — retry.'), 'could not be loaded: ' + message);
  check(message.includes('is listed in the catalogue, but its details could not be loaded'),
    'the reason: ' + message);
  check(!message.includes('There is no such panel'), 'not "no such panel"');
  const retry = error.getByRole('button', { name: 'Try again' });
  check(await retry.isVisible(), 'a retry button');
  await retry.click();
  await page.locator('.error-view').waitFor();
}

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  if (PART === 'upload') {
    await uploadToExport(page);
  } else {
    await truthfulMessages(page);
    // The failed look-ups are GraphQL errors the page shows, not console errors.
    const unexpected = errors.filter((e) => !/502|Bad Gateway/.test(e));
    check(unexpected.length === 0, 'no console errors: ' + unexpected.join('; '));
    return;
  }
  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
