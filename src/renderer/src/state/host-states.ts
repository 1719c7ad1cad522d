// Live connection state of every host, fed by the hosts.states stream for the app's lifetime.
import { useEffect } from 'react';
import { create } from 'zustand';
import type { HostState } from '../../../shared/api/domain';
import { api } from '../api';

export const useHostStates = create<{ byId: Record<number, HostState> }>(() => ({ byId: {} }));

export function useHostStatesStream(): void {
  useEffect(
    () =>
      api.streams.hosts.states({}, (events) => {
        useHostStates.setState((s) => {
          const byId = { ...s.byId };
          for (const e of events) byId[e.hostId] = e;
          return { byId };
        });
      }),
    [],
  );
}

export const STATE_LABEL: Record<HostState['state'], string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  online: 'online',
  offline: 'offline',
  auth_failed: 'login failed',
  hostkey_unknown: 'verify host key',
  hostkey_changed: 'HOST KEY CHANGED',
  error: 'error',
};
