// Issue 17.5: logged in, the workbench is kept in the account. It comes back after login in
// another browser and after the browser's storage is cleared; at login a browser's own panels
// and the account's are merged (both kept; the choices changed last win); the browser's stored
// entries about uploads that are gone are dropped.
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USER = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;
const ACCOUNT = '{ workbench { panels { panelId version confidence } leftOutUploads } }';

/** Logs in on the login page and lands on the workbench. */
async function logIn(page) {
  await page.goto(BASE_URL + '/login?next=/workbench');
  await page.fill('#login-name', USER);
  await page.fill('#login-password', PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(BASE_URL + '/workbench');
}

const card = (page, id) => page.locator(`li.chosen-panel[data-panel="uk-${id}"]`);

async function addPanel(page, id) {
  await page.locator('#add-panel-id').fill(id);
  await page.locator('#add-panel-button').click();
  await card(page, id).waitFor();
}

/** Waits until the account holds exactly `ids` (with `amber` on 402 when asked). */
async function accountHolds(page, ids, what) {
  const deadline = Date.now() + 15000;
  let last = null;
  while (Date.now() < deadline) {
    last = await graphql(page, ACCOUNT, {});
    const panels = last.data?.workbench?.panels ?? [];
    const got = panels.map((p) => String(p.panelId)).sort();
    if (JSON.stringify(got) === JSON.stringify([...ids].sort())) return panels;
    await page.waitForTimeout(200);
  }
  throw new Error(`${what}: the account never held ${ids}: ${JSON.stringify(last)}`);
}

await run(async (browser, errors) => {
  // Browser A: logged in, builds a workbench; it is kept in the account.
  const a = await newPage(browser, errors);
  await logIn(a);
  await addPanel(a, '402');
  await card(a, '402').locator('select.preset').selectOption('green_amber');
  await a.locator('#workbench-account').filter({ hasText: 'Kept in your account' }).waitFor();
  let kept = await accountHolds(a, ['402'], 'browser A');
  await a.waitForFunction(async (query) => {
    const r = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const p = (await r.json()).data?.workbench?.panels?.[0];
    return p && p.confidence.includes('AMBER');
  }, ACCOUNT);
  kept = (await graphql(a, ACCOUNT, {})).data.workbench.panels;
  check(kept[0].version === '8.125', 'the exact version is kept: ' + JSON.stringify(kept));
  const merged = Number(await a.locator('#merged-count').textContent());

  // Browser B (nothing stored): after login the workbench is there, with its choices.
  const b = await newPage(browser, errors);
  await logIn(b);
  await card(b, '402').waitFor();
  check(
    (await card(b, '402').locator('select.preset').inputValue()) === 'green_amber',
    'the choices came back too',
  );
  await b.waitForFunction((n) => Number(document.querySelector('#merged-count')?.textContent) === n, merged);
  const said = await b.locator('#workbench-account').textContent();
  check(said.includes('1 panel brought back from your account'), 'says where it came from: ' + said);

  // The browser's storage cleared: still there after a reload (still logged in).
  await b.evaluate(() => localStorage.clear());
  await b.reload();
  await card(b, '402').waitFor();
  await b.waitForFunction((n) => Number(document.querySelector('#merged-count')?.textContent) === n, merged);

  // Browser C builds its own workbench before logging in: both are kept, and the account
  // then holds both.
  const c = await newPage(browser, errors);
  await c.goto(BASE_URL + '/workbench');
  await addPanel(c, '635');
  await c.waitForFunction(() => JSON.parse(localStorage.getItem('panelmerge.workbench') || '{}').panels?.length === 1);
  await logIn(c);
  await card(c, '402').waitFor();
  await card(c, '635').waitFor();
  await accountHolds(c, ['402', '635'], 'after merging browser C');
  check(
    (await card(c, '402').locator('select.preset').inputValue()) === 'green_amber',
    '402 comes from the account with its choices',
  );

  // Stored entries about uploads that are gone are dropped, and every list is capped.
  await c.evaluate(() => {
    const stored = JSON.parse(localStorage.getItem('panelmerge.workbench'));
    stored.left_out = ['gone-1', 'gone-2'];
    stored.digests = Array.from({ length: 150 }, (_, i) => ({
      upload: `gone-${i}`,
      filename: `old-${i}.csv`,
      digest: `${i}-1`,
    }));
    localStorage.setItem('panelmerge.workbench', JSON.stringify(stored));
  });
  await c.reload();
  await card(c, '635').waitFor();
  await c.waitForFunction(() => {
    const s = JSON.parse(localStorage.getItem('panelmerge.workbench') || '{}');
    return s.digests?.length === 0 && s.left_out?.length === 0;
  });
  const stored = await c.evaluate(() => JSON.parse(localStorage.getItem('panelmerge.workbench')));
  check(stored.panels.length === 2, 'the panels stay remembered: ' + JSON.stringify(stored.panels));

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
