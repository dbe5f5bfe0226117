/**
 * A static file server for the browser tests and the browser benchmark: serves one folder (a vite build)
 * on 127.0.0.1, with or without the headers that make a page cross-origin isolated (COOP: same-origin,
 * COEP: require-corp). Only an isolated page gets SharedArrayBuffer, hence the kernel's second thread.
 * 127.0.0.1 is a secure context, so no TLS is needed.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ServeOptions {
  /** Send COOP/COEP (and CORP) with every response: the page is cross-origin isolated. */
  isolated: boolean;
  /** 0 (default): any free port. */
  port?: number;
}

export interface Served {
  /** The folder's root, ending in '/'. */
  url: string;
  isolated: boolean;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The headers of a cross-origin isolated page (and of every resource it loads, workers included). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Serves `root` until close(). A path outside it, or missing, is a 404; a folder serves its index.html. */
export async function serveFolder(root: string, options: ServeOptions): Promise<Served> {
  const base = path.resolve(root);
  const server: Server = createServer((req, res) => {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...(options.isolated ? ISOLATION_HEADERS : {}) };
    const fail = (status: number, text: string): void => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      fail(400, 'bad request');
      return;
    }
    let file = path.join(base, pathname);
    if (file !== base && !file.startsWith(base + path.sep)) {
      fail(404, 'not found');
      return;
    }
    void (async () => {
      try {
        let info = await stat(file);
        if (info.isDirectory()) {
          file = path.join(file, 'index.html');
          info = await stat(file);
        }
        res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': String(info.size) });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
      } catch {
        fail(404, 'not found');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    isolated: options.isolated,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
