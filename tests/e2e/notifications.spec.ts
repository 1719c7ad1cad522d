// Browser mode's job-finished notification: the web Notification API, when the person allowed it
// and is not looking (the tab hidden). The job is Settings' "Verify history" (no lab needed).
import { expect, test } from './fixtures';

test('a job that ends while the tab is hidden raises a desktop notification', async ({ app }) => {
  // A stand-in Notification that records what the page shows, already allowed; and a switch
  // for document.hidden (a headless page is never hidden by itself).
  await app.addInitScript(() => {
    const shown: { title: string; body?: string; tag?: string }[] = [];
    class RecordingNotification {
      static permission = 'granted';
      static requestPermission = (): Promise<string> => Promise.resolve('granted');
      onclick: (() => void) | null = null;
      constructor(title: string, options?: { body?: string; tag?: string }) {
        shown.push({ title, ...options });
      }
      close(): void {}
    }
    const w = globalThis as unknown as { Notification: unknown; __shown: typeof shown; __hidden: boolean };
    w.Notification = RecordingNotification;
    w.__shown = shown;
    w.__hidden = false;
    Object.defineProperty((globalThis as unknown as { document: object }).document, 'hidden', { get: () => w.__hidden });
  });
  await app.reload();
  await app.getByTestId('nav-settings').click();
  await expect(app.getByTestId('verify-history')).toBeVisible();

  // Watching it end on screen: no notification.
  await app.getByTestId('verify-history').click();
  await expect(app.getByTestId('verify-result')).toBeVisible();
  expect(await app.evaluate(() => (globalThis as unknown as { __shown: unknown[] }).__shown)).toEqual([]);

  await app.evaluate(() => {
    (globalThis as unknown as { __hidden: boolean }).__hidden = true;
  });
  await app.getByTestId('verify-history').click();
  await expect
    .poll(() => app.evaluate(() => (globalThis as unknown as { __shown: { title: string }[] }).__shown))
    .toEqual([expect.objectContaining({ title: 'Labdeck: job succeeded' })]);
  const [n] = await app.evaluate(
    () => (globalThis as unknown as { __shown: { body?: string; tag?: string }[] }).__shown,
  );
  expect(n!.tag).toMatch(/^job:/);
  expect(n!.body).toBeTruthy();
});
