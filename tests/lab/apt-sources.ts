// Reads this machine's Debian archive URIs from its apt sources, so the lab's containers use the
// same archive this machine does (and nothing in the code names one).
import fs from 'node:fs';

export interface ArchiveUris {
  main: string;
  security: string;
}

export function readArchiveUris(): ArchiveUris {
  const uris: string[] = [];
  const deb822 = '/etc/apt/sources.list.d/debian.sources';
  if (fs.existsSync(deb822)) {
    for (const m of fs.readFileSync(deb822, 'utf8').matchAll(/^URIs:\s*(\S+)/gm)) uris.push(m[1]!);
  }
  const legacy = [
    '/etc/apt/sources.list',
    ...listDir('/etc/apt/sources.list.d').filter((f) => f.endsWith('.list')),
  ];
  for (const file of legacy) {
    if (!fs.existsSync(file)) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm))
      uris.push(m[1]!);
  }
  const strip = (u: string): string => u.replace(/\/+$/, '');
  const security = uris.find((u) => /security/.test(u));
  const main = uris.find((u) => !/security/.test(u));
  if (!main)
    throw new Error(
      'No Debian archive URI found in /etc/apt/sources.list(.d): the lab copies them into its containers.',
    );
  return { main: strip(main), security: strip(security ?? `${main}-security`) };
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((f) => `${dir}/${f}`);
  } catch {
    return [];
  }
}
