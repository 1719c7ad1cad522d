// Host metrics in the browser against the lab: an LXC container with a stand-in nvidia-smi
// (replaying the real H100 output) shows live CPU, its own 512 MiB of memory and the GPU on its
// Metrics tab with its users, and on the fleet overview as a card that names the GPU's user and who
// keeps the CPU busy; GPU memory filled raises an alert badge (host row, host header) that goes
// again when it is freed. Screenshots under test-results/screens.
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
  inContainer(stopLoad);
  inContainer(removeFakeGpu());
});

// A CPU load run as the GPU's user (so the fleet card names who keeps the host busy).
const LOAD_PID = '/tmp/labdeck-e2e-load-pid';
const startLoad = [
  'sh',
  '-c',
  `setsid runuser -u ${GPU_USER} -- sh -c 'echo $$ >${LOAD_PID}; while :; do :; done' </dev/null >/dev/null 2>&1 &`,
];
const stopLoad = ['sh', '-c', `kill "$(cat ${LOAD_PID} 2>/dev/null)" 2>/dev/null; rm -f ${LOAD_PID}; true`];
// The stand-in's GPU memory nearly full (80000 of 81559 MiB), and back to the recorded figures.
const FULL = 's/, 81559, 1395, 79685,/, 81559, 80000, 1559,/; s/, 81559, 0, 81079,/, 81559, 80000, 1559,/';
const gpuMemory = (full: boolean): string[] => [
  'sh',
  '-c',
  full
    ? `cp /usr/local/bin/nvidia-smi /tmp/nvidia-smi.recorded && sed -i '${FULL}' /usr/local/bin/nvidia-smi`
    : 'cp /tmp/nvidia-smi.recorded /usr/local/bin/nvidia-smi',
];

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
  // Who is using it: each Linux user with CPU, memory and the GPU memory its processes hold.
  await expect(app.getByTestId(`host-user-${GPU_USER}`)).toContainText('1.4 GiB', { timeout: 15_000 });
  // CPU from the second scan on (5 s apart).
  await expect(app.getByTestId('host-user-root')).toContainText('%', { timeout: 15_000 });
  await app.getByTestId('host-users').scrollIntoViewIfNeeded();
  await screenshot(app, 'metrics-host-users');
  await app.getByTestId('metrics-range').scrollIntoViewIfNeeded();
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

  inContainer(startLoad);
  await app.getByTestId('nav-fleet').click();
  const card = app.getByTestId('fleet-card-gpu-box');
  await expect(card.getByTestId('fleet-card-status')).toHaveText('live');
  await expect(card.getByTestId('meter-cpu')).toContainText('%');
  await expect(card.getByTestId('meter-vram')).toBeVisible();
  await expect(card.getByTestId('fleet-card-gpu')).toContainText(`by ${GPU_USER}`, { timeout: 15_000 });
  await expect(card.getByTestId('fleet-card-cpu')).toHaveText(
    // One busy loop is a core: half of this container's two, give or take what else runs.
    new RegExp(`busy: ([3-9]\\d|100)% CPU by ${GPU_USER}`),
    { timeout: 15_000 },
  );
  await screenshot(app, 'metrics-fleet');
  inContainer(stopLoad);

  // GPU memory nearly full: an alert, as a badge on the host's row and in its header, titled
  // with what is wrong; it goes when the memory is back.
  inContainer(gpuMemory(true));
  const rowBadge = app.getByTestId('host-alerts-gpu-box');
  await expect(rowBadge).toHaveText('⚠ 1', { timeout: 15_000 });
  await expect(rowBadge).toHaveAttribute('title', /GPU 0 memory 98% used/);
  await expect(card.getByTestId('fleet-card-alerts')).toContainText('GPU 0 memory 98% used');
  await card.click();
  await expect(app.getByTestId('host-page-alerts')).toHaveText('⚠ 1');
  await screenshot(app, 'metrics-alert-badge');
  inContainer(gpuMemory(false));
  await expect(rowBadge).toBeHidden({ timeout: 15_000 });
  await expect(app.getByTestId('host-page-alerts')).toBeHidden();
  await app.getByTestId('nav-fleet').click();

  // Disconnected: greyed, with when it was last seen; the card still opens the host.
  await card.click();
  await app.getByTestId('disconnect').click();
  await app.getByTestId('nav-fleet').click();
  await expect(card).toHaveClass(/offline/);
  await expect(card.getByTestId('fleet-card-status')).toContainText('last seen');
  await screenshot(app, 'metrics-fleet-offline');
  await card.click();
  await expect(app.getByTestId('host-page')).toBeVisible();

  // Retention and thresholds are settings.
  await app.getByTestId('nav-settings').click();
  await expect(app.getByTestId('setting-alertGpuMemPercent')).toHaveValue('95');
  await app.getByTestId('metrics-settings').scrollIntoViewIfNeeded();
  await screenshot(app, 'metrics-settings');
});
