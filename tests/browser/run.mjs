// corsair's real-browser conformance suite: the browser side.
//
//     node run.mjs <cases.json> <results.json>
//
// Drives Debian's Chromium (headless, a new empty profile) through playwright-core and
// runs each case's requests, in order, with fetch() or XMLHttpRequest, from the page the
// case names: `main` (http://127.0.0.1:P1), `other` (http://localhost:P2) or `null` (a
// sandboxed iframe on the main page). For each request it records what the script saw:
// blocked (a network error) or readable, the status, the final URL and the headers the
// script can read; for each case, the console messages that name one of its URLs. The
// Rust side (tests/real_browser.rs) starts the servers, writes cases.json, and compares
// results.json with corsair's browser model.
//
// Nothing is downloaded: the browser is the one at `chromium` in cases.json.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

// What this machine's Chromium needs: no sandbox as root, no GPU, and no background
// traffic (the network is closed but for loopback).
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

// One request, run inside the page. Self-contained: playwright serializes it.
async function runStep(step) {
  const LIMIT_MS = 10000;
  if (step.api === 'fetch') {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), LIMIT_MS);
    const init = {
      method: step.method,
      headers: step.headers,
      credentials: step.credentials,
      signal: controller.signal,
    };
    if (step.body !== null) init.body = step.body;
    try {
      const response = await fetch(step.url, init);
      await response.text();
      return {
        outcome: 'ok',
        status: response.status,
        url: response.url,
        headers: [...response.headers],
      };
    } catch (error) {
      return { outcome: controller.signal.aborted ? 'timeout' : 'blocked', error: String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
  return await new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(step.method, step.url, true);
    xhr.withCredentials = step.credentials === 'include';
    xhr.timeout = LIMIT_MS;
    for (const [name, value] of step.headers) xhr.setRequestHeader(name, value);
    if (step.upload) xhr.upload.onprogress = () => {};
    xhr.onload = () => {
      const headers = xhr
        .getAllResponseHeaders()
        .split('\r\n')
        .filter((line) => line.length > 0)
        .map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
        });
      resolve({ outcome: 'ok', status: xhr.status, url: xhr.responseURL, headers });
    };
    xhr.onerror = () => resolve({ outcome: 'blocked', error: 'XMLHttpRequest: error event' });
    xhr.ontimeout = () => resolve({ outcome: 'timeout', error: 'XMLHttpRequest: timeout' });
    xhr.send(step.body);
  });
}

async function main() {
  const [inputPath, outputPath] = process.argv.slice(2);
  if (!inputPath || !outputPath) {
    throw new Error('usage: node run.mjs <cases.json> <results.json>');
  }
  const spec = JSON.parse(await readFile(inputPath, 'utf8'));
  const profile = await mkdtemp(path.join(tmpdir(), 'corsair-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: spec.chromium,
      headless: true,
      args: FLAGS,
    });
    await context.addCookies([
      {
        name: spec.cookie.name,
        value: spec.cookie.value,
        url: `http://${spec.cookie.domain}/`,
        sameSite: 'Lax',
      },
    ]);

    const console = [];
    const open = async (url) => {
      const page = await context.newPage();
      page.on('console', (message) => console.push(message.text()));
      await page.goto(url, { waitUntil: 'load' });
      return page;
    };
    const mainPage = await open(spec.pages.main);
    const otherPage = await open(spec.pages.other);
    const sandboxPage = await open(spec.pages.sandbox);
    const nullFrame = sandboxPage.frames().find((frame) => frame !== sandboxPage.mainFrame());
    if (!nullFrame) throw new Error('the sandboxed iframe did not load');
    const origins = {
      main: await mainPage.evaluate(() => self.origin),
      other: await otherPage.evaluate(() => self.origin),
      null: await nullFrame.evaluate(() => self.origin),
    };
    if (origins.null !== 'null') throw new Error(`the sandboxed iframe's origin is ${origins.null}`);
    const frames = {
      main: mainPage.mainFrame(),
      other: otherPage.mainFrame(),
      null: nullFrame,
    };
    const cdp = await context.newCDPSession(mainPage);
    const { product } = await cdp.send('Browser.getVersion');
    await cdp.detach();

    const results = [];
    for (const testCase of spec.cases) {
      const frame = frames[testCase.page];
      if (!frame) throw new Error(`${testCase.id}: no page '${testCase.page}'`);
      const steps = [];
      let start;
      for (const step of testCase.steps) {
        const now = performance.now();
        start ??= now;
        const result = await frame.evaluate(runStep, step);
        steps.push({ t_ms: now - start, ...result });
      }
      results.push({ id: testCase.id, steps });
    }
    // Console messages arrive asynchronously: wait (5 s at most) until every case with
    // a blocked request has its message.
    const consoleOf = (id) => console.filter((line) => line.includes(`/${id}/`));
    const waiting = () =>
      results.filter(
        (r) => r.steps.some((s) => s.outcome !== 'ok') && consoleOf(r.id).length === 0,
      );
    for (let waited = 0; waited < 5000 && waiting().length > 0; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const result of results) {
      result.console = consoleOf(result.id);
    }
    await writeFile(
      outputPath,
      JSON.stringify({ browser_version: product, origins, cases: results }, null, 1),
    );
  } finally {
    if (context) await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`run.mjs: ${error?.stack ?? error}\n`);
  process.exit(1);
});
