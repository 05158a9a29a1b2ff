import type { IncomingMessage } from 'node:http';
import { CUT_SHORT, networkError, TOO_LARGE } from './errors.js';

/**
 * The body of `message`, at most `maxBytes` (neither @actions/http-client's readBody() nor
 * node:https has a bound). A larger answer (declared or sent) destroys the response and fails
 * with code TOO_LARGE; one that ends (or is destroyed by a deadline) before its last byte fails
 * with CUT_SHORT. `from` names the peer in the messages.
 */
export function readBounded(
  message: IncomingMessage,
  maxBytes: number,
  from: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      networkError(`the answer from ${from} is larger than ${formatBytes(maxBytes)}`, TOO_LARGE);
    const declared = Number(message.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      message.destroy();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        message.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    message.once('end', () => resolve(Buffer.concat(chunks)));
    message.once('error', reject);
    // After 'end' this is a no-op; before it, the answer was cut short.
    message.once('close', () => {
      if (!message.complete) reject(networkError(`the answer from ${from} ended early`, CUT_SHORT));
    });
  });
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}
