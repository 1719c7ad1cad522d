// The bundled roles as the dialog shows them (ansible/catalog.json, checked against each role's
// defaults by a test), and the checks on what a person picked.
import fs from 'node:fs';
import path from 'node:path';
import type { BootstrapCatalog, BootstrapRole, BootstrapRoleVar } from '../../../shared/api/bootstrap-domain';
import { ApiError } from '../../../shared/api/errors';

export class RoleCatalog {
  private cached: { mtimeMs: number; catalog: BootstrapCatalog } | null = null;

  constructor(readonly ansibleDir: string) {}

  roles(): BootstrapRole[] {
    return this.catalog().roles;
  }

  /** Variables every role may use (e.g. the admin user). */
  shared(): BootstrapRoleVar[] {
    return this.catalog().vars;
  }

  catalog(): BootstrapCatalog {
    const file = path.join(this.ansibleDir, 'catalog.json');
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new ApiError(
        'UNAVAILABLE',
        `The bundled Ansible roles are missing (${file}). Reinstall Labdeck, or run it from a full checkout.`,
      );
    }
    if (this.cached?.mtimeMs !== stat.mtimeMs) {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BootstrapCatalog>;
      this.cached = {
        mtimeMs: stat.mtimeMs,
        catalog: { roles: parsed.roles ?? [], vars: parsed.vars ?? [] },
      };
    }
    return this.cached.catalog;
  }

  /** Unknown roles or variables (or a variable of a role not picked) are refused, by name. */
  check(roles: string[], vars: Record<string, unknown>): { roles: string[]; secretVars: string[] } {
    const all = this.roles();
    const byName = new Map(all.map((r) => [r.name, r]));
    const unknown = roles.filter((r) => !byName.has(r));
    if (unknown.length) {
      throw new ApiError(
        'VALIDATION',
        `Unknown role${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. The bundled roles are ${all.map((r) => r.name).join(', ')}.`,
      );
    }
    const picked = all.filter((r) => roles.includes(r.name)); // in the catalog's order
    const known = new Map(
      [...this.shared(), ...picked.flatMap((r) => r.vars)].map((v) => [v.name, v] as const),
    );
    const stray = Object.keys(vars).filter((k) => !known.has(k));
    if (stray.length) {
      throw new ApiError(
        'VALIDATION',
        `Variable${stray.length > 1 ? 's' : ''} ${stray.join(', ')} belong${stray.length > 1 ? '' : 's'} to no picked role.`,
      );
    }
    for (const [k, v] of Object.entries(vars)) {
      const type = known.get(k)!.type;
      const ok =
        type === 'bool'
          ? typeof v === 'boolean'
          : type === 'int'
            ? typeof v === 'number' && Number.isInteger(v)
            : type === 'list'
              ? Array.isArray(v)
              : typeof v === 'string';
      if (!ok)
        throw new ApiError(
          'VALIDATION',
          `Variable ${k} must be a${type === 'int' ? 'n integer' : ` ${type}`}.`,
        );
    }
    return {
      roles: picked.map((r) => r.name),
      secretVars: [...known.values()].filter((v) => v.secret).map((v) => v.name),
    };
  }

  /** About how many tasks the roles run (their task files' entries): the progress bar's length. */
  expectedTasks(roles: string[]): number | null {
    let n = 0;
    try {
      n += countTasks(path.join(this.ansibleDir, 'site.yml'));
      for (const r of roles) {
        const dir = path.join(this.ansibleDir, 'roles', r, 'tasks');
        for (const f of fs.readdirSync(dir)) if (/\.ya?ml$/.test(f)) n += countTasks(path.join(dir, f));
      }
    } catch {
      return null;
    }
    return n || null;
  }
}

function countTasks(file: string): number {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^\s*- name:/.test(l)).length;
}
