// Checks the audit history's pages share between the app and lab specs.
import { expect, type Page } from '@playwright/test';

/** Every result pill ends inside its cell: long error codes are not cut. */
export async function expectPillsWhole(app: Page): Promise<void> {
  for (const cell of await app.locator('.audit-grid td.col-result').all()) {
    const box = await cell.boundingBox();
    const pill = await cell.locator('.pill').boundingBox();
    expect(pill!.x + pill!.width, await cell.innerText()).toBeLessThanOrEqual(box!.x + box!.width - 4);
  }
}
