// Serves the web dashboard (web/, built by Vite into dist/web) from the Vigil server itself.
//
//   GET /assets/<name>-<hash>.js   the file, cached for a year (the name changes when it does)
//   GET /favicon.svg, ...          the file, revalidated
//   GET /insights/abc (a page)     index.html: the dashboard routes in the browser (deep links)
//   GET /api/..., /v1/..., /metrics, /-/...  never the dashboard: a JSON 404 when no route matched
//
// The fallback to index.html follows connect-history-api-fallback: only for a GET / HEAD that
// accepts text/html and whose last path segment has no dot, so an API client or a missing asset
// still gets the JSON 404 of every other unknown path.
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fail } from './http-errors.js';

/**
 * dist/web beside the package root. This file runs as src/app/dashboard.ts (tsx) or as
 * dist/app/dashboard.js (compiled); both are two folders below the root.
 */
export const DEFAULT_DASHBOARD_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const NOT_DASHBOARD = /^\/(?:api(?:\/|$)|v1(?:\/|$)|metrics(?:\/|$)|-\/)/;
/** Vite names built assets `<name>-<hash>.<ext>` under assets/: safe to cache forever. */
const HASHED_ASSET = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * Defence in depth behind React's escaping: no inline or foreign script can run even if some
 * attacker-controlled label value reached the DOM as markup. Styles may be inline (React's and
 * uPlot's style attributes); images may be data:/blob: (PNG export of a chart).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Vigil</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Vigil</h1>
<p>The server is running, but the dashboard is not built: run <code>npm run build</code> and reload this page.</p>
<p>The API answers under <a href="/api/openapi.json">/api/</a>.</p>
</body></html>
`;

export interface DashboardOptions {
  /** The built dashboard (Vite's outDir); need not exist yet. */
  readonly root: string;
}

export function registerDashboard(server: FastifyInstance, opts: DashboardOptions): void {
  const root = resolve(opts.root);
  // serve: false — only reply.sendFile (path-checked streaming, ETag, ranges); the route below decides
  // what is a file, what is a page and what is a 404.
  void server.register(fastifyStatic, { root, serve: false, suppressWarning: true, cacheControl: false });

  const notFound = (req: FastifyRequest, reply: FastifyReply) => fail(reply, 'VIGIL_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);

  server.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    handler: async (req, reply) => {
      const pathname = pathOf(req.url);
      if (pathname === null || NOT_DASHBOARD.test(pathname)) return notFound(req, reply);
      const file = pathname === '/' ? null : await fileUnder(root, pathname);
      if (file) {
        reply.header('cache-control', HASHED_ASSET.test(pathname) ? IMMUTABLE : 'no-cache');
        return reply.sendFile(file.relative, root);
      }
      const lastSegment = pathname.slice(pathname.lastIndexOf('/') + 1);
      if (pathname !== '/' && (lastSegment.includes('.') || !acceptsHtml(req))) return notFound(req, reply);
      if (!(await fileUnder(root, '/index.html'))) {
        return reply.code(200).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
      }
      reply.header('cache-control', 'no-cache').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
      return reply.sendFile('index.html', root);
    },
  });
}

/** The decoded path of a request URL; null when it cannot be decoded or tries to climb (`..`). */
function pathOf(url: string): string | null {
  const q = url.indexOf('?');
  let p: string;
  try {
    p = decodeURIComponent(q === -1 ? url : url.slice(0, q));
  } catch {
    return null;
  }
  if (p.includes('\0') || p.includes('\\') || /(^|\/)\.\.?(\/|$)/.test(p)) return null;
  return p;
}

/** A regular file at `pathname` inside `root` (never outside it), or null. */
async function fileUnder(root: string, pathname: string): Promise<{ relative: string } | null> {
  const abs = resolve(root, '.' + pathname);
  if (abs !== root && !abs.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    const s = await stat(abs);
    return s.isFile() ? { relative: abs.slice(root.length).replace(/^[\\/]+/, '') } : null;
  } catch {
    return null;
  }
}

function acceptsHtml(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.includes('text/html') || accept.includes('*/*') && req.headers['sec-fetch-mode'] === 'navigate';
}
