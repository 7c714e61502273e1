// Issue 14.2: layouts that use the screen. At 1280 px the saved panel's gene table is as wide
// as the page, shows every column un-clipped (no cell overflows, the table needs no sideways
// scrolling), keeps its header row in view while scrolling, and draws a 900-gene panel a page
// of rows at a time; the overlap picture's counts, letters and source names never overlap for
// 2 to 5 sources, and 6 sources get the UpSet bars; at 390 px no page scrolls sideways.
import { BASE_URL, check, graphql, newPage, run } from './lib.mjs';

const USERNAME = process.env.USERNAME_UNDER_TEST;
const PASSWORD = process.env.PASSWORD_UNDER_TEST;

const INHERITANCE = 'MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown';
const SOURCES = ['uk-402@8.125', 'au-3149@1.20', 'upload:Cardiology referral list (March).xlsx'];

/** The page's width and, when it is wider than the viewport, the widest elements that stick
 * out (innermost first), so a failure says what to fix. */
const scrollWidth = (page) =>
  page.evaluate(() => {
    const width = document.documentElement.scrollWidth;
    const view = document.documentElement.clientWidth;
    if (width <= view) return `${width}`;
    const out = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > view + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > view + 1))
      // What scrolls inside its own frame does not widen the page.
      .filter((e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') return false;
        }
        return true;
      })
      .slice(0, 6)
      .map((e) => {
        const r = e.getBoundingClientRect();
        const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '');
        return `${name} [${Math.round(r.left)}–${Math.round(r.right)}]`;
      });
    return `${width}: ${out.join(', ')}`;
  });
/** Pages that scroll sideways, reported together at the end. */
const tooWide = [];
/** Notes `label` when the page needs sideways scrolling at its viewport's width. */
async function mustFit(page, label) {
  const fits = await page.evaluate(
    () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
  );
  if (!fits) tooWide.push(`${label} (width ${await scrollWidth(page)})`);
}

/** Pairs of elements among `selector`'s matches whose boxes intersect. */
async function collisions(page, selector) {
  return page.$$eval(selector, (els) => {
    const boxes = els.map((e) => ({ text: e.textContent.trim(), r: e.getBoundingClientRect() }));
    const hits = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r;
        const b = boxes[j].r;
        if (a.width === 0 || b.width === 0) continue;
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
          hits.push(`${boxes[i].text} × ${boxes[j].text}`);
        }
      }
    }
    return { count: boxes.length, hits };
  });
}

await run(async (browser, errors) => {
  const page = await newPage(browser, errors, { viewport: { width: 1280, height: 900 } });
  await page.goto(BASE_URL + '/');
  const login = await graphql(
    page,
    'mutation($i: LoginInput!) { login(input: $i) { user { username } } }',
    { i: { login: USERNAME, password: PASSWORD } },
  );
  check(login.data?.login?.user?.username === USERNAME, 'logged in: ' + JSON.stringify(login));

  // A 900-gene panel with long inheritance, sources and notes.
  const genes = Array.from({ length: 900 }, (_, i) => ({
    symbol: `LAYOUT${String(i + 1).padStart(3, '0')}`,
    confidence: ['GREEN', 'AMBER', 'RED', 'GREY'][i % 4],
    modeOfInheritance: INHERITANCE,
    sources: SOURCES,
    notes: i % 10 === 0 ? 'Reviewed at the multidisciplinary meeting; keep for the cardiac referral pathway' : null,
  }));
  const created = await graphql(
    page,
    'mutation($i: CreateSavedPanelInput!) { createSavedPanel(input: $i) { id } }',
    { i: { name: 'Layout panel', genes } },
  );
  const id = created.data?.createSavedPanel?.id;
  check(id, 'panel created: ' + JSON.stringify(created).slice(0, 400));

  await page.goto(`${BASE_URL}/saved/${id}`);
  const rows = page.locator('#genes-table tbody tr');
  await rows.first().waitFor();
  // A page of rows at a time.
  check((await rows.count()) === 200, `200 rows drawn, not ${await rows.count()}`);
  const pager = page.locator('#genes-pager');
  check((await pager.textContent()).includes('Rows 1–200 of 900'), 'the pager says which rows');
  await pager.getByRole('button', { name: 'Next rows' }).click();
  await page.waitForFunction(
    () => document.querySelector('#genes-table tbody tr')?.dataset.symbol === 'LAYOUT201',
  );
  await pager.getByRole('button', { name: 'Previous rows' }).click();
  await page.waitForFunction(
    () => document.querySelector('#genes-table tbody tr')?.dataset.symbol === 'LAYOUT001',
  );

  // As wide as the page's content, and every column un-clipped.
  const layout = await page.evaluate(() => {
    const wrap = document.querySelector('#genes-table').closest('.table-wrap');
    const main = document.querySelector('main .container') || document.querySelector('main');
    const clipped = [];
    for (const cell of document.querySelectorAll('#genes-table thead th, #genes-table tbody tr:nth-child(-n+40) > *')) {
      if (cell.scrollWidth > cell.clientWidth + 1) clipped.push(`${cell.tagName} ${cell.textContent.slice(0, 30)}`);
    }
    const inheritance = document.querySelector('#genes-table tbody tr td:nth-child(5)');
    const range = document.createRange();
    range.selectNodeContents(inheritance);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    const lines = tops.size;
    return {
      wrap: wrap.getBoundingClientRect().width,
      main: main.getBoundingClientRect().width,
      sideways: wrap.scrollWidth - wrap.clientWidth,
      clipped,
      lines,
      sticky: getComputedStyle(document.querySelector('#genes-table thead th')).position,
    };
  });
  check(layout.wrap >= 1100, `the table is as wide as the page (${layout.wrap}px of ${layout.main}px)`);
  check(layout.sideways <= 1, `no sideways scrolling (${layout.sideways}px)`);
  check(layout.clipped.length === 0, 'no cell is clipped: ' + layout.clipped.join(' | '));
  check(layout.lines >= 1 && layout.lines <= 4, `the inheritance wraps into at most 4 lines (${layout.lines})`);
  check(layout.sticky === 'sticky', 'the header row is sticky');

  // Scrolled down a long way, the header row is still at the top of the table's frame.
  const header = await page.evaluate(() => {
    const wrap = document.querySelector('#genes-table').closest('.table-wrap');
    wrap.scrollTop = 3000;
    const th = document.querySelector('#genes-table thead th').getBoundingClientRect();
    return { th: th.top, wrap: wrap.getBoundingClientRect().top, scrolled: wrap.scrollTop };
  });
  check(header.scrolled > 1000, 'the table scrolls inside its frame');
  check(Math.abs(header.th - header.wrap) <= 2, `the header stays in view (${header.th} vs ${header.wrap})`);

  // The overlap picture: 2 to 5 sources as a Venn whose texts never overlap, 6 as UpSet bars.
  await page.goto(BASE_URL + '/workbench');
  const add = async (source, id) => {
    await page.locator('#add-panel-source').selectOption(source);
    await page.locator('#add-panel-id').fill(String(id));
    await page.locator('#add-panel-button').click();
    await page.locator(`li.chosen-panel[data-panel="${source.toLowerCase()}-${id}"]`).waitFor();
  };
  await add('UK', 402);
  await add('AU', 3149);
  await page.locator('#overlap-venn').waitFor();
  const texts = '#overlap-venn text.venn-count, #overlap-venn text.venn-letter, #overlap-legend .venn-label';
  let found = await collisions(page, texts);
  check(found.count === 3 + 2 + 2, `2 sources: 3 counts, 2 letters, 2 names (${found.count})`);
  check(found.hits.length === 0, '2 sources: no texts overlap: ' + found.hits.join('; '));
  check(
    (await page.locator('#overlap-legend .venn-label').allTextContents()).every((t) => !t.includes('…')),
    'the legend has the full names',
  );
  await add('UK', 283);
  await page.waitForFunction(() => document.querySelectorAll('#overlap-venn circle').length === 3);
  found = await collisions(page, texts);
  check(found.count === 7 + 3 + 3, `3 sources: 7 counts, 3 letters, 3 names (${found.count})`);
  check(found.hits.length === 0, '3 sources: no texts overlap: ' + found.hits.join('; '));
  // 4 and 5 sources: ellipses, every region's count, letters and names apart.
  await add('UK', 384);
  await page.waitForFunction(() => document.querySelectorAll('#overlap-venn ellipse').length === 4);
  found = await collisions(page, texts);
  check(found.count === 15 + 4 + 4, `4 sources: 15 counts, 4 letters, 4 names (${found.count})`);
  check(found.hits.length === 0, '4 sources: no texts overlap: ' + found.hits.join('; '));
  await add('UK', 398);
  await page.waitForFunction(() => document.querySelectorAll('#overlap-venn ellipse').length === 5);
  found = await collisions(page, texts);
  check(found.count === 31 + 5 + 5, `5 sources: 31 counts, 5 letters, 5 names (${found.count})`);
  check(found.hits.length === 0, '5 sources: no texts overlap: ' + found.hits.join('; '));
  check((await page.locator('#overlap .upset-row').count()) === 0, '5 sources: no UpSet bars');
  const regions = await page.$$eval('#overlap-venn g.venn-region', (gs) => gs.map((g) => g.dataset.mask));
  check(regions.length === 31, `31 regions to choose (${regions.length})`);
  // At a phone's width the picture shrinks to fit, its texts still apart, nothing sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  found = await collisions(page, texts);
  check(found.hits.length === 0, '5 sources at 390 px: no texts overlap: ' + found.hits.join('; '));
  await mustFit(page, `the workbench with 5 panels fits 390 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
  // Beyond five: the UpSet view.
  await add('UK', 635);
  await page.locator('#overlap .upset-row').first().waitFor();
  check((await page.locator('#overlap-venn').count()) === 0, '6 sources: no Venn');
  found = await collisions(page, '#overlap .upset-row .bar-label');
  check(found.count >= 6 && found.hits.length === 0, '6 sources: UpSet labels apart: ' + found.hits.join('; '));

  // At 390 px nothing scrolls sideways (tables scroll inside their frames): the workbench with
  // six panels and a list of one's own, and the other main pages.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.setInputFiles('#upload-input', {
    name: 'Cardiology referral list (March 2026, second revision).csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('gene\nBRCA1\nMYH7\nKCNQ1\n', 'utf8'),
  });
  await page.locator('li.chosen-upload').first().waitFor();
  await mustFit(page, `the workbench with panels and a list fits 390 px`);
  await page.goto(BASE_URL + '/workbench');
  await page.waitForFunction(() => document.querySelectorAll('li.chosen-panel').length === 6);
  await page.locator('li.chosen-upload').first().waitFor();
  await mustFit(page, `the workbench, reopened, fits 390 px`);
  for (const [path, ready] of [
    ['/', 'main h1'],
    ['/panels', '#panel-results li'],
    ['/panels/uk/402', '#entities-table tbody tr'],
    [`/saved/${id}`, '#genes-table tbody tr'],
    ['/saved', '#saved-panels'],
    ['/saved/new', '#new-panel-form'],
    ['/teams', '#new-team-form'],
    ['/profile', 'main h1'],
  ]) {
    await page.goto(BASE_URL + path);
    await page.locator(ready).first().waitFor();
    await mustFit(page, `${path} fits 390 px`);
  }

  check(tooWide.length === 0, 'pages scroll sideways:\n' + tooWide.join('\n'));
  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
