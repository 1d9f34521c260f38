/**
 * Closing a connection whose request body was not read to its end (413, a refusal before the
 * body). A socket closed with unread bytes makes the kernel send a reset, and a client still
 * sending then sees EPIPE or ECONNRESET, often before it has read the answer that was sent. So
 * the close lingers: the answer goes out, the sending side is shut, and what the client still
 * sends is read and dropped until it closes its side, for at most `ms` and `bytes`; then the
 * socket is destroyed.
 */
import type { Socket } from 'node:net';

export interface LingerLimits {
  /** Longest wait for the client to close its side. */
  ms: number;
  /** Most bytes read and dropped while waiting. */
  bytes: number;
}

export const LINGER: LingerLimits = { ms: 2000, bytes: 16 * 1024 * 1024 };

/**
 * Makes the close node:http does after this connection's last answer (`destroySoon`) a lingering
 * one. Call it before the answer is sent.
 */
export function lingerOnClose(socket: Socket | null | undefined, limits: LingerLimits = LINGER): void {
  if (socket === null || socket === undefined || socket.destroyed) return;
  const lingering = socket as Socket & { destroySoon?: () => void };
  let started = false;
  lingering.destroySoon = () => {
    if (started) return;
    started = true;
    let dropped = 0;
    const stop = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(stop, limits.ms);
    timer.unref();
    socket.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > limits.bytes) stop();
    });
    socket.once('end', stop);
    socket.once('close', () => clearTimeout(timer));
    socket.end();
    socket.resume();
  };
}
