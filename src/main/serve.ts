// Browser mode entry: `npm run serve`. Runs the same services as the desktop app under plain Node
// and serves the built renderer on loopback with a per-run token.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from './app/compose';
import { startBrowserServer } from './transport/browser-server';
import { newToken } from './transport/token';
import { version } from '../../package.json';

function defaultDataDir(): string {
  const xdg = process.env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'labdeck');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: process.env['LABDECK_PORT'] ?? '0' },
      'allow-remote': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'Usage: npm run serve -- [--data-dir DIR] [--port N] [--host ADDR --allow-remote]\n' +
        'Data folder: --data-dir, else $LABDECK_DATA_DIR, else ~/.local/share/labdeck.\n' +
        'LABDECK_TOKEN sets the access token (default: a new random one per run).',
    );
    return;
  }
  const given = process.env['LABDECK_TOKEN'];
  if (given !== undefined && given !== '' && given.length < 16) {
    throw new Error(
      'LABDECK_TOKEN is shorter than 16 characters: too easy to guess. Leave it unset for a random one.',
    );
  }
  const dataDir = path.resolve(values['data-dir'] ?? process.env['LABDECK_DATA_DIR'] ?? defaultDataDir());
  const root = path.resolve(__dirname, '..', '..');
  const app = createApp({
    dataDir,
    migrationsFolder: path.join(root, 'drizzle'),
    mode: 'browser',
    version,
  });
  const server = await startBrowserServer({
    dispatcher: app.dispatcher,
    streams: app.streams,
    staticDir: path.join(root, 'out', 'renderer'),
    token: given || newToken(),
    host: values.host,
    port: Number(values.port),
    allowRemote: values['allow-remote'],
    downloadsDir: path.join(dataDir, 'exports'),
    prometheus: () => app.metricsText(),
  });
  console.log(`Labdeck (browser mode) data folder: ${dataDir}`);
  console.log(`Labdeck is ready: ${server.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // The server first closes every client's session (their terminals, audited as theirs), then
    // the app closes whatever is left, also through the dispatcher.
    void server
      .close()
      .then(() => app.close())
      .catch((err: unknown) => console.error('Labdeck did not shut down cleanly:', err))
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`Labdeck could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
