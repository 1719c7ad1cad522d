import { describe, expect, it } from 'vitest';
import { apiAtLeast, previewOf, type PruneFacts } from './prune';

const img = (id: string, tags: string[], size = 1000, shared = 100) =>
  ({ Id: id, RepoTags: tags, Size: size, SharedSize: shared, Created: 0, Containers: 0 }) as never;
const ctr = (id: string, state: string, imageId: string, mounts: { Type: string; Name?: string }[] = []) =>
  ({ Id: id, Names: [`/${id}`], State: state, ImageID: imageId, SizeRw: 50, Mounts: mounts }) as never;

const facts = (api = '1.41'): PruneFacts => ({
  apiVersion: api,
  containers: [
    ctr('run', 'running', 'img-used', [{ Type: 'volume', Name: 'data' }]),
    ctr('paused', 'paused', 'img-used'),
    ctr('old', 'exited', 'img-old', [{ Type: 'volume', Name: 'cache' }]),
    ctr('new', 'created', 'img-used'),
  ],
  images: [
    img('img-used', ['app:1']),
    img('img-old', []),
    img('img-dangling', ['<none>:<none>']),
    img('img-tagged', ['tool:2']),
  ],
  volumes: [
    { Name: 'data', Labels: {}, UsageData: { Size: 5, RefCount: 1 } },
    { Name: 'cache', Labels: {}, UsageData: { Size: 7, RefCount: 1 } },
    { Name: 'named', Labels: {}, UsageData: { Size: 11, RefCount: 0 } },
    {
      Name: 'f'.repeat(64),
      Labels: { 'com.docker.volume.anonymous': '' },
      UsageData: { Size: 13, RefCount: 0 },
    },
  ] as never,
  networks: [
    { Id: 'n1', Name: 'bridge', Scope: 'local', Containers: {} },
    { Id: 'n2', Name: 'app_default', Scope: 'local', Containers: { x: {} } },
    { Id: 'n3', Name: 'stale', Scope: 'local', Containers: {} },
  ] as never,
});

const ids = (p: ReturnType<typeof previewOf>, kind: string) =>
  p.items.filter((i) => i.kind === kind).map((i) => i.id);

describe('prune preview', () => {
  it('stopped containers only; what they alone used goes with them, in prune order', () => {
    const p = previewOf(1, { containers: true, images: 'dangling', volumes: true, networks: true }, facts());
    expect(ids(p, 'container')).toEqual(['old', 'new']);
    // img-old was used only by a pruned container and has no tag: dangling and unused.
    expect(ids(p, 'image')).toEqual(['img-old', 'img-dangling']);
    expect(ids(p, 'volume')).toEqual(['cache', 'named', 'f'.repeat(64)]);
    expect(ids(p, 'network')).toEqual(['n3']);
    expect(p.totalBytes).toBe(50 + 50 + 900 + 900 + 7 + 11 + 13);
  });

  it('keeps what remaining containers use when containers are not pruned', () => {
    const p = previewOf(1, { containers: false, images: 'unused', volumes: true, networks: false }, facts());
    expect(ids(p, 'container')).toEqual([]);
    expect(ids(p, 'image')).toEqual(['img-dangling', 'img-tagged']);
    expect(ids(p, 'volume')).toEqual(['named', 'f'.repeat(64)]);
  });

  it('on API 1.42+ only anonymous volumes are pruned, and the preview says so', () => {
    const p = previewOf(
      1,
      { containers: false, images: 'none', volumes: true, networks: false },
      facts('1.43'),
    );
    expect(ids(p, 'volume')).toEqual(['f'.repeat(64)]);
    expect(p.notes.join(' ')).toMatch(/Named volumes are kept/);
  });

  it('compares API versions numerically', () => {
    expect(apiAtLeast('1.41', '1.42')).toBe(false);
    expect(apiAtLeast('1.42', '1.42')).toBe(true);
    expect(apiAtLeast('1.100', '1.42')).toBe(true);
    expect(apiAtLeast('2.0', '1.42')).toBe(true);
  });
});
