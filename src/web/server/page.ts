import { fileURLToPath } from 'node:url';
import { BASE_CSS, DASHBOARD_CSS } from '../components/styles.ts';

const CLIENT_ENTRY = fileURLToPath(new URL('../client/dashboard.ts', import.meta.url));

/** The page's code, bundled with esbuild from TypeScript (lightweight-charts included): no CDN, works offline. */
export async function buildClientBundle(): Promise<string> {
  const { build } = await import('esbuild');
  const r = await build({ entryPoints: [CLIENT_ENTRY], bundle: true, format: 'iife', minify: true, write: false, platform: 'browser', target: 'es2020', logLevel: 'silent' });
  return r.outputFiles[0]!.text;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The HTML shell: styles inline, the bundle from `/app.js` (same origin). With a token, the script URL
 * carries it, like every request the page makes.
 */
export function pageHtml(token: string | null): string {
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">
<title>Ladder dashboard</title><style>${BASE_CSS}${DASHBOARD_CSS}</style></head>
<body><div id="app"></div>
<script src="app.js${escapeHtml(q)}"></script>
</body></html>
`;
}

/** Nothing but this origin: scripts, data and styles (inline styles for the chart library). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
