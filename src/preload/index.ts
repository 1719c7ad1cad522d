// Exposes exactly one typed `window.api`, built from the contract over a private IPC channel.
// The renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridgeApi } from '../shared/api/client';
import { createClientPeer } from '../shared/api/peer';
import type { ServerMessage } from '../shared/api/protocol';

const CHANNEL = 'labdeck:api';
const peer = createClientPeer((msg) => ipcRenderer.send(CHANNEL, msg));
ipcRenderer.on(CHANNEL, (_event, msg: ServerMessage) => peer.receive(msg));

contextBridge.exposeInMainWorld('api', buildBridgeApi(peer.transport));
