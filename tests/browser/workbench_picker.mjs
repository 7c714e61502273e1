// Issue 14.1: the workbench finds panels by name — one search box over both PanelApp
// instances, operated as an ARIA 1.2 combobox with the keyboard alone — and adds the chosen
// panel with its counts; the merged count is the server's merge of the same choice.
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const WANTED = 'Early onset or syndromic epilepsy';

await run(async (browser, errors) => {
  const page = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
  await page.goto(BASE_URL + '/workbench');
  const box = page.locator('#panel-picker');
  await box.waitFor();

  // The ARIA 1.2 combobox pattern, closed at first.
  check((await box.getAttribute('role')) === 'combobox', 'role=combobox');
  check((await box.getAttribute('aria-controls')) === 'panel-picker-list', 'aria-controls names the list');
  check((await box.getAttribute('aria-expanded')) === 'false', 'closed before typing');
  check((await page.locator('#panel-picker-list').getAttribute('role')) === 'listbox', 'the list is a listbox');

  // Keyboard only: type, arrow to the panel, Enter.
  await box.focus();
  await page.keyboard.type('epilepsy');
  await page.waitForFunction(() => document.querySelector('#panel-picker')?.getAttribute('aria-expanded') === 'true');
  const options = page.locator('#panel-picker-list [role="option"]');
  const names = await options.locator('.picker-name').allTextContents();
  check(names.includes(WANTED), `the epilepsy panel is offered: ${JSON.stringify(names)}`);
  const target = names.indexOf(WANTED);
  for (let i = 0; i <= target; i++) await page.keyboard.press('ArrowDown');
  const activeId = await box.getAttribute('aria-activedescendant');
  check(activeId === `panel-picker-option-${target}`, `the active option is announced (${activeId})`);
  check(
    (await page.locator(`#${activeId}`).getAttribute('aria-selected')) === 'true',
    'the active option is aria-selected',
  );

  // Escape closes without adding; ArrowDown opens again at the same list.
  await page.keyboard.press('Escape');
  check((await box.getAttribute('aria-expanded')) === 'false', 'Escape closes the list');
  check((await page.locator('li.chosen-panel').count()) === 0, 'Escape added nothing');
  for (let i = 0; i <= target; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');

  const card = page.locator('li.chosen-panel[data-panel="uk-402"]');
  await card.waitFor();
  await page.locator('#panel-picker-status', { hasText: 'Added' }).waitFor();
  check((await box.inputValue()) === '', 'the box is cleared after adding');
  // The card counts each evidence level.
  const green = await card.locator('label:has(input[data-level="GREEN"])').textContent();
  check(/Green \(\d+\)/.test(green), `the card counts green entities: ${green}`);

  // The merged count is what the server merges for the same choice (green genes of 402).
  const preview = await graphql(
    page,
    `query($input: MergeInput!) { mergePreview(input: $input) { total } }`,
    { input: { panels: [{ source: 'UK', id: 402, confidence: ['GREEN'], types: ['GENE'] }] } },
  );
  const expected = preview.data.mergePreview.total;
  check(expected > 0, 'the server merges some genes');
  await page.waitForFunction(
    (n) => Number(document.querySelector('#merged-count')?.textContent) === n,
    expected,
  );

  // A gene symbol finds the panels listing it, too (here: a gene of panel 402).
  const symbol = await graphql(page, `{ panel(source: UK, id: 402) { entities { nodes { symbol type confidence } } } }`);
  const gene = symbol.data.panel.entities.nodes.find((e) => e.type === 'GENE' && e.confidence === 'GREEN').symbol;
  await box.fill(gene);
  await page.waitForFunction(() => document.querySelector('#panel-picker')?.getAttribute('aria-expanded') === 'true');
  await page.locator('#panel-picker-list [data-panel="uk-402"]').waitFor();

  // "Add to workbench" from the panel page keeps working next to the picker.
  await page.goto(BASE_URL + '/panels/uk/402');
  await page.locator('#add-to-workbench').click();
  await page.locator('#added-link').click();
  await page.waitForURL(/\/workbench$/);
  await page.locator('li.chosen-panel[data-panel="uk-402"]').waitFor();
  check((await page.locator('li.chosen-panel').count()) === 1, 'the same panel is not added twice');

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
