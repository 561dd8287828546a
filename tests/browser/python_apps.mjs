// The Python package's seed apps (FastAPI and Django, python/tests) in real Chromium:
// the browser side.
//
//     node python_apps.mjs <input.json>
//
// The input names the Chromium binary, the page origins and the calls (`url`, fetch's
// `init`). Each origin's page is served by playwright itself (`page.route`), so that it
// can be the seed's `https://yourdomain.com` without DNS or a certificate; the calls go
// to the apps on 127.0.0.1. Chromium asks the user before a public page reaches the
// loopback address space (Local Network Access): the context is granted that
// permission, as a user would, so that what is left to decide is CORS. Prints one JSON
// document: for each origin, for each call, what the script saw (`status` and `body`, or
// `blocked`).

import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

// As run.mjs: no sandbox as root, no GPU, no background traffic.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const input = JSON.parse(await readFile(process.argv[2], 'utf8'));
const browser = await chromium.launch({ executablePath: input.chromium, args: FLAGS, headless: true });
const results = {};
try {
  const context = await browser.newContext();
  await context.grantPermissions(['local-network-access']);
  for (const origin of input.origins) {
    const page = await context.newPage();
    await page.route(`${origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>page</title>' }),
    );
    await page.goto(`${origin}/`);
    results[origin] = await page.evaluate(async (calls) => {
      const seen = [];
      for (const { url, init } of calls) {
        try {
          const response = await fetch(url, init);
          seen.push({ status: response.status, body: await response.text() });
        } catch (error) {
          seen.push({ blocked: String(error) });
        }
      }
      return seen;
    }, input.calls);
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
