// What a person may pick in the Bootstrap dialog, checked against the bundled ansible/ (real files).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RoleCatalog } from './catalog';

const catalog = new RoleCatalog(path.resolve(__dirname, '../../../../ansible'));

describe('RoleCatalog (the bundled roles)', () => {
  it('lists every role with its documented variables, and the usual ones preselected', () => {
    const roles = catalog.roles();
    expect(roles.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'base',
        'docker',
        'postgresql',
        'gitea',
        'python',
        'experiments',
        'node-exporter',
      ]),
    );
    expect(
      roles
        .filter((r) => r.default)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['base', 'docker', 'experiments', 'postgresql', 'python'].sort());
    for (const r of roles)
      for (const v of r.vars) expect(v.doc.length, `${r.name}.${v.name}`).toBeGreaterThan(10);
  });

  it('puts picked roles in the playbook order and refuses unknown roles, stray or mistyped variables', () => {
    expect(catalog.check(['postgresql', 'base'], {}).roles).toEqual(['base', 'postgresql']);
    expect(() => catalog.check(['base', 'kubernetes'], {})).toThrow(/Unknown role: kubernetes/);
    expect(() => catalog.check(['base'], { docker_users: ['a'] })).toThrow(
      /docker_users belongs to no picked role/,
    );
    expect(() => catalog.check(['base'], { base_timezone: 3 })).toThrow(/base_timezone must be a string/);
    expect(() => catalog.check(['base'], { base_packages: 'curl' })).toThrow(/must be a list/);
    expect(
      catalog.check(['base'], { base_timezone: 'Europe/Berlin', base_packages: ['curl'] }).roles,
    ).toEqual(['base']);
    // Shared variables go with any role.
    expect(catalog.shared().map((v) => v.name)).toContain('labdeck_admin_user');
    expect(catalog.check(['python'], { labdeck_admin_user: 'alice' }).roles).toEqual(['python']);
  });

  it('estimates the tasks a run will show (the progress bar), more for more roles', () => {
    const base = catalog.expectedTasks(['base'])!;
    expect(base).toBeGreaterThan(5);
    expect(catalog.expectedTasks(['base', 'docker', 'postgresql'])!).toBeGreaterThan(base);
  });
});
