// Issue 17.4: the panel page's evidence boxes and type choice are one row that is what
// "Add to workbench" adds (it used to add the green genes whatever was ticked).
import { BASE_URL, check, newPage, run } from './lib.mjs';

await run(async (browser, errors) => {
  const page = await newPage(browser, errors);
  await page.goto(BASE_URL + '/panels/uk/402');
  await page.locator('#entities-table tbody tr').first().waitFor();

  // The choices and the button are one row (one form) and the button says how much it adds.
  const row = page.locator('#add-choice');
  check((await row.locator('input[data-level]').count()) === 4, 'four evidence boxes in the row');
  check((await row.locator('#entity-type').count()) === 1, 'the type choice is in the row');
  check((await row.locator('#add-to-workbench').count()) === 1, 'the button is in the row');

  // Green and amber genes only.
  await row.locator('input[data-level="RED"]').uncheck();
  await row.locator('input[data-level="GREY"]').uncheck();
  await row.locator('#entity-type').selectOption('GENE');
  const rows = await page.locator('#entities-table tbody tr').count();
  const button = (await row.locator('#add-to-workbench').textContent()).trim();
  check(button === `Add ${rows} entities to workbench`, `the button counts what is shown (${rows}): ${button}`);
  const symbols = await page.$$eval('#entities-table tbody tr', (r) => r.map((x) => x.dataset.symbol));
  const expected = new Set(symbols).size;

  await row.locator('#add-to-workbench').click();
  await page.locator('#added-link').click();
  await page.waitForURL(/\/workbench$/);
  const card = page.locator('li.chosen-panel[data-panel="uk-402"]');
  await card.waitFor();
  check(await card.locator('input[data-level="GREEN"]').isChecked(), 'green taken');
  check(await card.locator('input[data-level="AMBER"]').isChecked(), 'amber taken');
  check(!(await card.locator('input[data-level="RED"]').isChecked()), 'red not taken');
  check(!(await card.locator('input[data-type="STR"]').isChecked()), 'STRs not taken');
  check((await card.locator('select.preset').inputValue()) === 'green_amber', 'the preset reads green and amber');
  await page.waitForFunction(
    (n) => Number(document.querySelector('#merged-count')?.textContent) === n,
    expected,
  );

  // Adding the same panel again with another choice changes the choice, not the panel count.
  await page.goto(BASE_URL + '/panels/uk/402');
  await page.locator('#entities-table tbody tr').first().waitFor();
  await page.locator('#add-choice input[data-level="AMBER"]').uncheck();
  await page.locator('#add-choice input[data-level="RED"]').uncheck();
  await page.locator('#add-choice input[data-level="GREY"]').uncheck();
  await page.locator('#add-choice #entity-type').selectOption('GENE');
  const green = new Set(
    await page.$$eval('#entities-table tbody tr', (r) => r.map((x) => x.dataset.symbol)),
  ).size;
  check(green < expected, `fewer green genes (${green}) than green and amber (${expected})`);
  await page.locator('#add-to-workbench').click();
  await page.locator('#added-link').click();
  await page.waitForFunction(
    (n) => Number(document.querySelector('#merged-count')?.textContent) === n,
    green,
  );
  check((await page.locator('li.chosen-panel').count()) === 1, 'still one panel');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
