// Issue 17.5: the workbench (panels with their choices, uploads with "use it") comes back after
// a reload, in a new tab and at a typed URL; an identical re-upload asks before adding a copy.
import { BASE_URL, check, newPage, run } from './lib.mjs';

const count = async (page) => Number(await page.locator('#merged-count').textContent());
const CSV = 'gene\nBRCA1\nZZZ3\n';

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/workbench');
  await page.setInputFiles('#upload-input', {
    name: 'mine.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV, 'utf8'),
  });
  await page.locator('li.chosen-upload[data-upload="mine"]').waitFor();
  for (const id of ['635', '402']) {
    await page.locator('#add-panel-id').fill(id);
    await page.locator('#add-panel-button').click();
    await page.locator(`li.chosen-panel[data-panel="uk-${id}"]`).waitFor();
  }
  await page.locator('li.chosen-panel[data-panel="uk-402"] select.preset').selectOption('green_amber');
  await page.locator('li.chosen-panel[data-panel="uk-635"] input[data-level="AMBER"]').check();
  await page.locator('li.chosen-panel[data-panel="uk-635"] input[data-level="GREEN"]').uncheck();
  const before = await count(page);
  check(before > 300, `panels and upload merged (${before})`);

  const same = async (p, what) => {
    await p.locator('li.chosen-panel[data-panel="uk-402"]').waitFor();
    await p.locator('li.chosen-panel[data-panel="uk-635"]').waitFor();
    await p.locator('li.chosen-upload[data-upload="mine"]').waitFor();
    await p.waitForFunction((n) => Number(document.querySelector('#merged-count')?.textContent) === n, before);
    check(
      (await p.locator('li.chosen-panel[data-panel="uk-402"] select.preset').inputValue()) === 'green_amber',
      what + ': 402 keeps green and amber',
    );
    check(
      !(await p.locator('li.chosen-panel[data-panel="uk-635"] input[data-level="GREEN"]').isChecked()) &&
        (await p.locator('li.chosen-panel[data-panel="uk-635"] input[data-level="AMBER"]').isChecked()),
      what + ': 635 keeps its custom choice',
    );
    const order = await p.$$eval('li.chosen-panel', (l) => l.map((x) => x.dataset.panel));
    check(JSON.stringify(order) === '["uk-635","uk-402"]', what + ': same order ' + order);
  };

  // Reload.
  await page.reload();
  await same(page, 'after a reload');

  // A new tab of the same browser, at a typed URL.
  const tab = await page.context().newPage();
  tab.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await tab.goto(BASE_URL + '/workbench');
  await same(tab, 'in a new tab');
  await tab.close();

  // A list left out stays left out.
  await page.locator('li.chosen-upload[data-upload="mine"] input[type="checkbox"]').uncheck();
  await page.waitForFunction((n) => Number(document.querySelector('#merged-count')?.textContent) < n, before);
  const without = await count(page);
  await page.reload();
  await page.locator('li.chosen-panel[data-panel="uk-402"]').waitFor();
  await page.locator('li.chosen-upload[data-upload="mine"]').waitFor();
  await page.waitForFunction((n) => Number(document.querySelector('#merged-count')?.textContent) === n, without);
  check(
    !(await page.locator('li.chosen-upload[data-upload="mine"] input[type="checkbox"]').isChecked()),
    'the left-out list stays left out',
  );

  // The identical file again: asked first; "Cancel" adds nothing.
  let asked = null;
  page.once('dialog', (d) => {
    asked = d.message();
    d.dismiss();
  });
  await page.setInputFiles('#upload-input', {
    name: 'mine.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV, 'utf8'),
  });
  await page.locator('#upload-notice').waitFor();
  check(asked && asked.includes('mine.csv') && asked.includes('same content'), 'asked first: ' + asked);
  check((await page.locator('li.chosen-upload').count()) === 1, 'no silent copy');

  // "OK" adds the copy on purpose.
  page.once('dialog', (d) => d.accept());
  await page.setInputFiles('#upload-input', {
    name: 'mine.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV, 'utf8'),
  });
  await page.waitForFunction(() => document.querySelectorAll('li.chosen-upload').length === 2);

  // A changed file of the same name is not a copy: no question.
  let askedAgain = false;
  page.once('dialog', (d) => {
    askedAgain = true;
    d.dismiss();
  });
  await page.setInputFiles('#upload-input', {
    name: 'mine.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('gene\nBRCA2\n', 'utf8'),
  });
  await page.waitForFunction(() => document.querySelectorAll('li.chosen-upload').length === 3);
  check(!askedAgain, 'a changed file is not questioned');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
