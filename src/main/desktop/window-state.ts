// The main window's size and position, remembered in a small JSON file between runs. A saved place
// that is no longer on any screen (a monitor unplugged) is forgotten rather than opened off-screen.
import fs from 'node:fs';
import path from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState extends Rect {
  maximized: boolean;
}

const MIN_VISIBLE = 64;

export function loadWindowState(file: string, workAreas: Rect[]): WindowState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const nums = [r['x'], r['y'], r['width'], r['height']];
  if (!nums.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  const state: WindowState = {
    x: Math.round(r['x'] as number),
    y: Math.round(r['y'] as number),
    width: Math.round(r['width'] as number),
    height: Math.round(r['height'] as number),
    maximized: r['maximized'] === true,
  };
  if (state.width < 200 || state.height < 150) return null;
  return workAreas.some((a) => overlaps(state, a)) ? state : null;
}

export function saveWindowState(file: string, state: WindowState): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
  } catch (err) {
    console.warn('[window] could not remember the window size:', err);
  }
}

function overlaps(w: Rect, a: Rect): boolean {
  const dx = Math.min(w.x + w.width, a.x + a.width) - Math.max(w.x, a.x);
  const dy = Math.min(w.y + w.height, a.y + a.height) - Math.max(w.y, a.y);
  return dx >= MIN_VISIBLE && dy >= MIN_VISIBLE;
}
