// Opening channels on a pooled connection, with the retry sshd's session accounting needs.
import type { ClientChannel } from 'ssh2';

/**
 * Opens a channel, retrying briefly when sshd refuses it: sshd frees a closed session a moment
 * after it confirms the close, so an open sent right behind a close can meet MaxSessions.
 * `wire` runs synchronously in ssh2's callback: the same network read may carry the command's
 * output, exit status and close, and an 'exit' emitted before anyone listens is lost.
 */
export async function openChannel(
  open: (done: (err: Error | undefined, ch: ClientChannel) => void) => void,
  wire: (ch: ClientChannel) => void,
  attempts = 6,
): Promise<ClientChannel> {
  for (let i = 1; ; i++) {
    try {
      return await new Promise<ClientChannel>((resolve, reject) => {
        open((err, ch) => {
          if (err) return reject(err);
          wire(ch);
          resolve(ch);
        });
      });
    } catch (err) {
      const refused = err instanceof Error && 'reason' in err;
      if (!refused || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}
