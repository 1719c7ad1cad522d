// Turns a host's login method into ssh2's connect options: the password, the agent socket, or a
// private key checked before anything is dialled. A missing secret asks the person for it.
import os from 'node:os';
import path from 'node:path';
import type { ConnectConfig } from 'ssh2';
import { ApiError } from '../../../shared/api/errors';
import { loadPrivateKey } from './private-key';
import type { AuthMaterial, ConnectTarget } from './types';

const expandHome = (p: string): string => (p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p);

export function authConfig(target: ConnectTarget, where: string): Partial<ConnectConfig> {
  const a = target.auth;
  if (a.method === 'password') {
    if (!a.password)
      throw new ApiError(
        'SECRET_REQUIRED',
        `${where} uses password authentication: enter the password.`,
        undefined,
        { secret: 'password' },
      );
    return { password: a.password };
  }
  if (a.method === 'agent') {
    const sock = a.agentSocket ?? (process.platform === 'win32' ? 'pageant' : process.env['SSH_AUTH_SOCK']);
    if (!sock) {
      throw new ApiError(
        'AUTH_FAILED',
        `${where} uses the SSH agent, but no agent is running for Labdeck (SSH_AUTH_SOCK is not set).`,
      );
    }
    return { agent: sock };
  }
  const file = expandHome(a.keyPath);
  const privateKey = loadPrivateKey(file, where, a.passphrase);
  return { privateKey, ...(a.passphrase ? { passphrase: a.passphrase } : {}) };
}

/** A refused password is one to enter again (a wrong passphrase is marked where it is found). */
export function askForSecret(err: ApiError, method: AuthMaterial['method']): ApiError {
  if (err.code !== 'AUTH_FAILED' || method !== 'password' || err.details?.['secret']) return err;
  return new ApiError(err.code, err.message, err.field, { ...err.details, secret: 'password' });
}
