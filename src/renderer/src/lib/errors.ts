// What to do next, for each error code a person can meet.
import { ApiError } from '../api';

export const NEXT_STEP: Partial<Record<string, string>> = {
  HOST_UNREACHABLE: 'Check that the host is up and the address and port are right.',
  AUTH_FAILED: 'Check the user, key or password in the host settings.',
  SECRET_REQUIRED: 'Enter the password or passphrase below.',
  HOSTKEY_UNKNOWN: "Compare the fingerprint with the host's own key, then trust it.",
  HOSTKEY_MISMATCH:
    'Do not trust the new key unless you know why it changed (e.g. the host was reinstalled).',
  TIMEOUT: 'The host may be hung or a firewall drops SSH; Labdeck keeps retrying.',
  JUMP_FAILED: 'Connect the jump host first and check it can reach this host.',
  CONNECTION_LOST: 'Labdeck reconnects by itself when the host answers again.',
  DB_ERROR: 'Check free disk space in the data folder.',
  KEY_FILE: "Choose the private key file (not the .pub) in the host's settings.",
  DOCKER_NOT_INSTALLED: 'Install Docker on the host to manage its containers here.',
  DOCKER_NOT_RUNNING: 'Start the Docker daemon on the host (systemctl start docker).',
  PERMISSION_DENIED:
    'The login user needs the right on the host (e.g. passwordless sudo), or log in as that user.',
};

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

export function nextStep(err: unknown): string | null {
  return err instanceof ApiError ? (NEXT_STEP[err.code] ?? null) : null;
}

/** The problem with one field, without the "Invalid input: field:" prefix (the form names the field). */
export function fieldError(err: unknown, field: string): string | null {
  if (!(err instanceof ApiError) || err.field !== field) return null;
  const m = err.message.replace(`Invalid input: ${field}: `, '');
  return m.charAt(0).toUpperCase() + m.slice(1);
}
