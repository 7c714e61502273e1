// Issue 7: an admin message appears as a banner, live, in a browser that is already open (a
// visitor's), and disappears live when the admin hides it. A banner the visitor closed stays
// closed when another message arrives and after a reload.
import { BASE_URL, check, logIn, newPage, run } from './lib.mjs';

const admin = process.env.ADMIN_USER;
const password = process.env.PASSWORD;
const title = 'Maintenance tonight';
const text = 'PanelApp data refresh from 22:00 UTC.';

await run(async (browser, errors) => {
  const visitor = await newPage(browser, errors);
  await visitor.goto(BASE_URL + '/');
  await visitor.locator('#start-gene-list').waitFor();
  check((await visitor.locator('.banner', { hasText: title }).count()) === 0, 'no banner yet');

  const adminPage = await newPage(browser, errors);
  await logIn(adminPage, admin, password, '/admin/messages');

  await adminPage.fill('#message-title', title);
  await adminPage.fill('#message-text', text);
  await adminPage.selectOption('#message-type', 'WARNING');
  await adminPage.click('#message-save');
  await adminPage.getByText('Message created.').waitFor();

  // The open page shows it without a reload, as a warning.
  const banner = visitor.locator('.banner', { hasText: title });
  await banner.waitFor();
  check((await banner.textContent()).includes(text), 'the banner carries the message');
  check((await banner.getAttribute('class')).includes('banner-warning'), 'a WARNING banner');
  // So does the admin's own page.
  await adminPage.locator('.banner', { hasText: title }).waitFor();

  // The visitor closes it; a second message arrives: only the second shows.
  await banner.getByRole('button', { name: 'Dismiss this notice' }).click();
  await banner.waitFor({ state: 'detached' });
  const secondTitle = 'New panels available';
  await adminPage.fill('#message-title', secondTitle);
  await adminPage.fill('#message-text', 'Cardiology panels were updated.');
  await adminPage.selectOption('#message-type', 'INFO');
  await adminPage.click('#message-save');
  await adminPage.getByText('Message created.').waitFor();
  const second = visitor.locator('.banner', { hasText: secondTitle });
  await second.waitFor();
  check((await visitor.locator('.banner', { hasText: title }).count()) === 0,
    'the closed banner stays closed when another message arrives');

  // A reload keeps it closed; the second is still there.
  await visitor.reload();
  await visitor.locator('.banner', { hasText: secondTitle }).waitFor();
  check((await visitor.locator('.banner', { hasText: title }).count()) === 0,
    'the closed banner stays closed after a reload');

  // Hidden by the admin: gone from the open pages, again without a reload.
  await adminPage.locator('#messages tr.message-row', { hasText: title }).getByRole('button', { name: 'Hide' }).click();
  await adminPage.getByText('Message hidden.').waitFor();
  await adminPage.locator('.banner', { hasText: title }).waitFor({ state: 'detached' });
  await adminPage.locator('#messages tr.message-row', { hasText: secondTitle }).getByRole('button', { name: 'Hide' }).click();
  await adminPage.getByText('Message hidden.').waitFor();
  await visitor.locator('.banner', { hasText: secondTitle }).waitFor({ state: 'detached' });

  check(errors.length === 0, 'no console errors: ' + errors.join('; '));
});
