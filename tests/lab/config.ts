// The lab's shape and where it keeps things. Runtime state lives under /run (gone at reboot);
// caches (keys, the LXC base, Docker's data) under /var so a second `up` takes seconds.

export interface LabConfig {
  bridge: string;
  /** First three octets of the /24, e.g. "10.77.0". */
  prefix: string;
  sshHosts: number;
  containers: number;
  docker: boolean;
  /** Memory limit of each LXC container, as lxcfs shows it inside. */
  containerMemory: string;
}

export const defaultConfig = (): LabConfig => ({
  bridge: process.env['LABDECK_LAB_BRIDGE'] ?? 'ldlab0',
  prefix: process.env['LABDECK_LAB_PREFIX'] ?? '10.77.0',
  sshHosts: Number(process.env['LABDECK_LAB_HOSTS'] ?? 3),
  // ct1, ct2 stay as fresh as the base for the tests that need that; the Ansible roles' tests
  // change ct3, ct4, bootstrap's through the app ct5, ct6, and experiments' ct7, ct8.
  containers: Number(process.env['LABDECK_LAB_CONTAINERS'] ?? 8),
  docker: (process.env['LABDECK_LAB_DOCKER'] ?? '1') !== '0',
  containerMemory: process.env['LABDECK_LAB_CT_MEMORY'] ?? '512M',
});

export const PATHS = {
  run: '/run/labdeck-lab',
  state: '/run/labdeck-lab/state.json',
  cache: '/var/cache/labdeck-lab',
  keys: '/var/cache/labdeck-lab/keys',
  dockerData: '/var/lib/labdeck-lab/docker',
  acngCache: '/var/cache/labdeck-lab/apt-cacher-ng',
  lxcfs: '/var/lib/lxcfs',
};

export const NAMES = {
  user: 'ldlab-user',
  admin: 'ldlab-admin',
  dockerGroup: 'ldlab-docker',
  sudoers: '/etc/sudoers.d/ldlab-admin',
  nsPrefix: 'ldlab-',
  ctBase: 'ldlab-base',
  ctPrefix: 'ldlab-ct',
  dockerImage: 'labdeck/debian:bookworm',
  dockerContainer: 'ldlab-sleeper',
};

/** Test credentials of a throwaway lab; not secrets. */
export const CREDS = {
  password: 'labdeck-lab-password',
  passphrase: 'labdeck-lab-passphrase',
};

export const hostAddress = (c: LabConfig, n: number): string => `${c.prefix}.${10 + n}`;
export const dockerAddress = (c: LabConfig): string => `${c.prefix}.5`;
export const containerAddress = (c: LabConfig, n: number): string => `${c.prefix}.${100 + n}`;
export const gateway = (c: LabConfig): string => `${c.prefix}.1`;
