import type { ClusterResponse } from '../cluster/transport.js';
import { TOO_LARGE } from '../../net/errors.js';
import type { WatchEvent } from './objects.js';

/** The longest watch event line: a line that never ends must not grow without bound. */
export const MAX_WATCH_LINE_BYTES = 16 * 1024 * 1024;

/** What a watch consumer returns for an event: `stop` ends the stream. */
export type WatchVerdict = 'continue' | 'stop';

export type WatchEnd = 'stopped' | 'closed';

/**
 * Feeds newline-delimited watch events to onEvent until the stream ends or onEvent stops it.
 * Bounded: a line longer than MAX_WATCH_LINE_BYTES, a line that is not JSON, or a stream open
 * longer than `streamMs` (the server's timeoutSeconds + 30 s) ends it as broken.
 */
export function readEvents<T>(
  response: ClusterResponse,
  onEvent: (event: WatchEvent<T>) => WatchVerdict,
  signal: AbortSignal,
  streamMs: number,
  broken: (why: string, code?: string) => Error,
): Promise<WatchEnd> {
  return new Promise((resolve, reject) => {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let settled = false;
    const finish = (end: WatchEnd | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      response.destroy();
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const timer = setTimeout(
      () => finish(broken(`the watch stream stayed open past ${streamMs / 1000} s`)),
      streamMs,
    );
    const onAbort = () => finish('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return finish('stopped');
    const deliver = (line: string): boolean => {
      const trimmed = line.trim();
      if (!trimmed) return true;
      let event: WatchEvent<T>;
      try {
        event = JSON.parse(trimmed) as WatchEvent<T>;
      } catch {
        finish(broken('a watch event is not JSON'));
        return false;
      }
      if (onEvent(event) === 'stop') {
        finish('stopped');
        return false;
      }
      return true;
    };
    response.on('data', (chunk: Buffer) => {
      let start = 0;
      let newline: number;
      while (!settled && (newline = chunk.indexOf(10, start)) >= 0) {
        pending.push(chunk.subarray(start, newline));
        const line = Buffer.concat(pending).toString('utf8');
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
        if (!deliver(line)) return;
      }
      if (settled || start >= chunk.length) return;
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_WATCH_LINE_BYTES) {
        finish(
          broken(
            `a watch event line of more than ${MAX_WATCH_LINE_BYTES / 1024 / 1024} MiB`,
            TOO_LARGE,
          ),
        );
        return;
      }
      pending.push(chunk.subarray(start));
    });
    response.on('end', () => finish('closed'));
    response.on('aborted', () => finish(broken('the watch stream broke')));
    response.on('error', () => finish(broken('the watch stream broke')));
    response.on('close', () =>
      finish(response.complete ? 'closed' : broken('the watch stream broke')),
    );
  });
}

/** At most `maxBytes` of a body (the rest dropped), within `deadlineMs`. */
export function readLimited(
  response: ClusterResponse,
  maxBytes: number,
  deadlineMs: number,
): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      response.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, deadlineMs);
    response.on('data', (chunk: Buffer) => {
      if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
      size += chunk.length;
      if (size >= maxBytes) done();
    });
    response.once('end', done);
    response.once('error', done);
    response.once('close', done);
  });
}
