// A client <-> ApiSession link inside one process, with JSON on the wire and an async hop each way,
// as a transport would have: the real session, flow control and typed client, without a socket.
import type { CallContext, Dispatcher } from '../../src/main/api/dispatcher';
import { ApiSession, type StreamFactories } from '../../src/main/api/session';
import { buildBridgeApi, toApi, type Api } from '../../src/shared/api/client';
import { createClientPeer } from '../../src/shared/api/peer';
import type { ServerMessage } from '../../src/shared/api/protocol';

export function memoryLink(
  dispatcher: Dispatcher,
  streams: StreamFactories,
  ctx: CallContext = { actor: 'tester@link' },
): { api: Api; session: ApiSession } {
  const hop = <T>(msg: T, deliver: (m: T) => void): void => {
    const wire = JSON.stringify(msg);
    setImmediate(() => deliver(JSON.parse(wire) as T));
  };
  const peer = createClientPeer((msg) => hop(msg, (m) => session.handle(m)));
  const session: ApiSession = new ApiSession(dispatcher, streams, ctx, (msg: ServerMessage) =>
    hop(msg, (m) => peer.receive(m)),
  );
  return { api: toApi(buildBridgeApi(peer.transport)), session };
}
