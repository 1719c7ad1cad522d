// What the lab hands to tests and prints for people: typed descriptions of its hosts.

export interface LabLogin {
  user: string;
  /** Private key file (OpenSSH format). */
  keyFile: string;
  /** Set when keyFile is encrypted. */
  passphrase?: string;
  /** Set when the host accepts password auth for this user. */
  password?: string;
}

export interface LabHost {
  name: string;
  kind: 'ssh' | 'docker' | 'lxc';
  address: string;
  port: number;
  /** Network namespace of an SSH/Docker host; LXC containers have their own. */
  namespace?: string;
  /** SHA256 fingerprint of the host's ed25519 key, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The host key as an authorized_keys/known_hosts line: "ssh-ed25519 AAAA...". */
  hostKey: string;
  /** The normal user, the sudo-capable admin (root on LXC containers), and extra logins. */
  user: LabLogin;
  admin: LabLogin;
  /** Logins only some hosts accept: an encrypted key, a password. */
  extra: LabLogin[];
  /** Name of the host this one is reachable only through. */
  jump?: string;
  /** Docker host only: the engine's socket path on that host (DOCKER_HOST is set by its sshd). */
  dockerSocket?: string;
}

export interface LabDescription {
  bridge: string;
  gateway: string;
  subnet: string;
  aptProxy: string;
  hosts: LabHost[];
  startedAt: string;
  upSeconds: number;
}
