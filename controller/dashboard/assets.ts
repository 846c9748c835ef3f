/**
 * The page and its two assets. The script and style are built by scripts/build-plugin.mjs
 * (esbuild, from controller/dashboard/ui/) and embedded in the plugin's bundle, so the
 * dashboard fetches nothing at run time and works from the standalone executable too.
 */

/** Set by scripts/build-plugin.mjs (esbuild's define). */
declare const KESTREL_DASHBOARD_JS: string | undefined;
declare const KESTREL_DASHBOARD_CSS: string | undefined;

export interface Assets {
  js: string;
  css: string;
}

/** The embedded assets, or undefined when run from source (not built). */
export function embeddedAssets(): Assets | undefined {
  if (typeof KESTREL_DASHBOARD_JS !== "string" || typeof KESTREL_DASHBOARD_CSS !== "string") return undefined;
  return { js: KESTREL_DASHBOARD_JS, css: KESTREL_DASHBOARD_CSS };
}

export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kestrel Rollouts</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><a href="#/" class="brand">Kestrel Rollouts</a><span id="scope"></span><span id="live" role="status"></span></header>
<div id="problem" role="alert" hidden></div>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<script src="/app.js"></script>
</body>
</html>
`;

/** Only this origin's own files and API: no CDN, no inline script. */
export const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
