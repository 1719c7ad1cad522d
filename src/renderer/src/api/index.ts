// The renderer's single API object. In Electron it wraps the preload's `window.api`; in browser mode
// it speaks the same contract over a WebSocket. Nothing else in the renderer knows which.
import { create } from 'zustand';
import { buildBridgeApi, toApi, type Api, type BridgeApi } from '../../../shared/api/client';
import { createWsTransport, type ConnectionState } from './ws-transport';

declare global {
  interface Window {
    api?: BridgeApi;
  }
}

export const useConnection = create<{ state: ConnectionState }>(() => ({ state: 'connecting' }));

function createApi(): Api {
  if (window.api) {
    useConnection.setState({ state: 'open' });
    return toApi(window.api);
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
  return toApi(buildBridgeApi(createWsTransport(url, (state) => useConnection.setState({ state }))));
}

export const api: Api = createApi();
export { ApiError } from '../../../shared/api/errors';
