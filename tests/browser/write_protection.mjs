// Cross-origin write protection in real Chromium: the browser side.
//
//     node write_protection.mjs <input.json>
//
// The input names the Chromium binary, the pages (`{ name: url }`) and the API's base
// URL. From each page, two writes that need no preflight go to the API: a form POST
// (`enctype="text/plain"`, into an iframe, so that the page stays) to `<api>/form/<name>`
// and a `fetch` POST with a `text/plain` body to `<api>/fetch/<name>`. What reached the
// application is counted by the Rust side (tests/write_protection.rs); this script only
// makes the browser send them, then prints `done`.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
const profile = await mkdtemp(path.join(tmpdir(), 'corsair-write-protection-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: input.chromium,
    args: FLAGS,
    headless: true,
  });
  for (const [name, url] of Object.entries(input.pages)) {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.evaluate(async ({ api, name }) => {
      // The form: submitted into an iframe, and awaited until the iframe loads (the
      // 403 or the application's answer).
      const frame = document.createElement('iframe');
      frame.name = 'sink';
      document.body.append(frame);
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      const form = document.createElement('form');
      form.method = 'POST';
      form.enctype = 'text/plain';
      form.action = `${api}/form/${name}`;
      form.target = 'sink';
      const field = document.createElement('input');
      field.name = 'amount';
      field.value = '1000';
      form.append(field);
      document.body.append(form);
      form.submit();
      await Promise.race([loaded, new Promise((resolve) => setTimeout(resolve, 5000))]);
      // The fetch: a simple request (no preflight); its answer is opaque to the script.
      try {
        await fetch(`${api}/fetch/${name}`, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body: 'amount=1000',
        });
      } catch (_) {
        // A network error is an answer too: what counts is what reached the server.
      }
    }, { api: input.api, name });
    await page.close();
  }
  console.log('done');
} finally {
  if (context) await context.close();
  await rm(profile, { recursive: true, force: true });
}
