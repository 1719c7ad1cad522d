// Global setup: the browser-mode tests run the built app; (re)build it when it is missing or older
// than the sources, so a test never runs against stale code.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

export default function ensureBuilt(): void {
  const outputs = ['out/main/serve.js', 'out/renderer/index.html', 'out/preload/index.js'].map((p) =>
    path.join(root, p),
  );
  const built = outputs.every((p) => fs.existsSync(p))
    ? Math.min(...outputs.map((p) => fs.statSync(p).mtimeMs))
    : 0;
  const sources = Math.max(
    newest(path.join(root, 'src')),
    fs.statSync(path.join(root, 'electron.vite.config.ts')).mtimeMs,
  );
  if (built > sources) return;
  console.log(
    `[setup] ${built ? 'out/ is older than src/' : 'out/ is missing'}: running electron-vite build`,
  );
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
