// Global setup: the browser-mode tests run the built app; build it when it is missing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export default function ensureBuilt(): void {
  const root = path.resolve(__dirname, '../..');
  if (fs.existsSync(path.join(root, 'out/main/serve.js')) && fs.existsSync(path.join(root, 'out/renderer/index.html'))) {
    return;
  }
  console.log('[setup] out/ is missing: running electron-vite build');
  execFileSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
}
