// Host metrics in the browser against the lab: an LXC container with a stand-in nvidia-smi
// (replaying the real H100 output) shows live CPU, its own 512 MiB of memory and the GPU on its
// Metrics tab, and on the fleet overview as a card that names the GPU's user. Screenshots under
// test-results/screens.
import { expect, screenshot, test } from '../e2e/fixtures';
import { cloneName } from '../lab/containers';
import { GPU_USER, installFakeGpu, removeFakeGpu } from '../lab/fake-gpu';
import { readState } from '../lab/faults';
import { run } from '../lab/sh';

const ct = () => readState().hosts.find((h) => h.name === 'ct2')!;
const inContainer = (argv: string[]): string => run('lxc-attach', ['-n', cloneName(2), '--', ...argv]);

test.beforeAll(() => {
  inContainer(installFakeGpu());
});
test.afterAll(() => {
  inContainer(removeFakeGpu());
});

test('a host’s Metrics tab is live, and the fleet overview shows its card with the GPU’s user', async ({
  app,
}) => {
  const c = ct();
  await app.getByTestId('add-host').click();
  await app.getByTestId('host-name').fill('gpu-box');
  await app.getByTestId('host-address').fill(c.address);
  await app.getByTestId('host-user').fill(c.user.user);
  await app.getByTestId('host-keypath').fill(c.user.keyFile);
  await app.getByTestId('host-save').click();
  await app.getByTestId('connect').click();
  await app.getByTestId('trust-key').click();
  await expect(app.getByTestId('host-state-label')).toHaveText('online');

  await app.getByTestId('host-view-metrics').click();
  await expect(app.getByTestId('hm-cpu-value')).toHaveText(/^\d+\.\d%$/, { timeout: 15_000 });
  // lxcfs: the container's own limit, not this machine's memory.
  await expect(app.getByTestId('hm-mem')).toContainText('of 512.0 MiB');
  await expect(app.getByTestId('hm-gpu0')).toContainText('NVIDIA H100 80GB HBM3');
  await expect(app.getByTestId('gpu-processes')).toContainText(GPU_USER, { timeout: 15_000 });
  // Live: the newest sample keeps moving.
  const live = app.getByTestId('host-metrics-live');
  const ts = Number(await live.getAttribute('data-sample-ts'));
  await expect
    .poll(async () => Number(await live.getAttribute('data-sample-ts')), { timeout: 5000 })
    .toBeGreaterThan(ts);
  await screenshot(app, 'metrics-host-live');

  // History for the last hour: the seconds just recorded, at 1 s resolution.
  await app.getByTestId('metrics-range').getByText('1 h').click();
  await expect(app.getByTestId('hh-cpu')).toContainText('one point per second', { timeout: 15_000 });
  const points = async (): Promise<number> =>
    Number(await app.getByTestId('host-metrics-history').getAttribute('data-points'));
  await expect.poll(points, { timeout: 15_000 }).toBeGreaterThan(2);
  await screenshot(app, 'metrics-host-history');

  await app.getByTestId('nav-fleet').click();
  const card = app.getByTestId('fleet-card-gpu-box');
  await expect(card.getByTestId('fleet-card-status')).toHaveText('live');
  await expect(card.getByTestId('meter-cpu')).toContainText('%');
  await expect(card.getByTestId('meter-vram')).toBeVisible();
  await expect(card.getByTestId('fleet-card-gpu')).toContainText(`by ${GPU_USER}`, { timeout: 15_000 });
  await screenshot(app, 'metrics-fleet');

  // Disconnected: greyed, with when it was last seen; the card still opens the host.
  await card.click();
  await app.getByTestId('disconnect').click();
  await app.getByTestId('nav-fleet').click();
  await expect(card).toHaveClass(/offline/);
  await expect(card.getByTestId('fleet-card-status')).toContainText('last seen');
  await screenshot(app, 'metrics-fleet-offline');
  await card.click();
  await expect(app.getByTestId('host-page')).toBeVisible();
});
