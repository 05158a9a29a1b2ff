import { request as httpRequest, type ClientRequestArgs } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ActionError } from '../errors.js';

/** Where the proxy for the cluster comes from, for messages. */
export type ProxySource = 'HTTPS_PROXY' | 'proxy-url';

/**
 * The proxy for the API server as kubectl picks it: the kubeconfig cluster's `proxy-url` when
 * set; else, as Go's net/http, HTTPS_PROXY (or https_proxy) unless NO_PROXY (or no_proxy)
 * exempts the host, and never for loopback. Undefined: connect directly.
 */
export function proxyFor(
  server: URL,
  env: NodeJS.ProcessEnv,
  proxyUrl?: unknown,
): { url: URL; source: ProxySource } | undefined {
  if (typeof proxyUrl === 'string' && proxyUrl.trim()) {
    return { url: parseProxy(proxyUrl.trim(), 'proxy-url'), source: 'proxy-url' };
  }
  const value = (env['HTTPS_PROXY'] || env['https_proxy'] || '').trim();
  if (!value) return undefined;
  const host = server.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || isLoopback(host)) return undefined;
  const port = server.port || '443';
  if (exempt(host, port, env['NO_PROXY'] || env['no_proxy'] || '')) return undefined;
  return { url: parseProxy(value, 'HTTPS_PROXY'), source: 'HTTPS_PROXY' };
}

function parseProxy(value: string, source: ProxySource): URL {
  const where =
    source === 'proxy-url'
      ? "The kubeconfig cluster's proxy-url"
      : 'Environment variable HTTPS_PROXY';
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ActionError(`${where} is not a URL.`);
  }
  if (proxy.protocol !== 'http:') {
    throw new ActionError(
      `${where} uses ${proxy.protocol}//, which this action does not support for the cluster.`,
      source === 'proxy-url'
        ? 'Use an http:// proxy (it tunnels TLS with CONNECT), or remove proxy-url from the cluster.'
        : 'Use an http:// proxy (it tunnels TLS with CONNECT), or exempt the API server with NO_PROXY.',
    );
  }
  return proxy;
}

/** The error code of a tunnel the proxy refused (407, 403...): not worth retrying. */
export const PROXY_REFUSED = 'ERR_PROXY_REFUSED';

/** The proxy for a log line: never its credentials. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/**
 * A `createConnection` for https.request that opens a CONNECT tunnel through `proxy` and
 * starts TLS to the API server inside it, verifying the server exactly as a direct connection
 * would (`tls` carries the CA, rejectUnauthorized and servername).
 */
export function tunnelThrough(
  proxy: URL,
  tls: ConnectionOptions,
): NonNullable<ClientRequestArgs['createConnection']> {
  return (options, oncreate) => {
    const done = (error: Error | null, socket?: Duplex) => oncreate(error, socket as Duplex);
    const host = (options.hostname ?? options.host ?? '').replace(/^\[|\]$/g, '');
    const port = Number(options.port ?? 443);
    const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const headers: Record<string, string> = { Host: authority };
    if (proxy.username || proxy.password) {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers['Proxy-Authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    const connect = httpRequest({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port || 80),
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
    });
    connect.setTimeout(30_000, () => connect.destroy(new Error('the proxy did not answer')));
    connect.once('connect', (response, socket) => {
      connect.setTimeout(0);
      if (response.statusCode !== 200) {
        socket.destroy();
        const refused = new Error(
          `the proxy ${describeProxy(proxy)} answered CONNECT with HTTP ${response.statusCode}`,
        );
        done(Object.assign(refused, { code: PROXY_REFUSED }));
        return;
      }
      const secure = tlsConnect({
        ...tls,
        socket,
        ...(tls.servername || isIP(host) ? {} : { servername: host }),
      });
      let settled = false;
      secure.once('secureConnect', () => {
        settled = true;
        done(null, secure);
      });
      secure.once('error', (error) => {
        if (!settled) done(error);
      });
    });
    connect.once('error', (error) => done(error));
    connect.end();
    return undefined;
  };
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** NO_PROXY as Go reads it: `*`, IPs, CIDRs, and domains (`example.com` or `.example.com`), each optionally with a port. */
export function exempt(host: string, port: string, noProxy: string): boolean {
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const [network, bits] = entry.split('/');
      const family = isIP(network ?? '');
      if (family && isIP(host) === family) {
        const list = new BlockList();
        list.addSubnet(network as string, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
        if (list.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
      }
      continue;
    }
    let entryPort: string | undefined;
    const withPort = /^(.*[^:\]]|\[.*\]):(\d+)$/.exec(entry);
    if (withPort && isIP(entry) !== 6) {
      entry = withPort[1] as string;
      entryPort = withPort[2];
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (isIP(entry)) {
      if (entry === host) return true;
      continue;
    }
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (host.endsWith(entry)) return true;
    } else if (host === entry || host.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}
