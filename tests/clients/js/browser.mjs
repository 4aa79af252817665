// The real-browser test's driver (tests/clients/browser_test.sh): serves
// tests/clients/browser/index.html and the presigned requests (S2_CONFIG) from
// a tiny HTTP server on another port, i.e. another origin than the daemon's,
// and has Debian's headless chromium (puppeteer-core, nothing downloaded) run
// the page twice: from http://localhost:<port> (allowed by the bucket's CORS
// rules) and from http://127.0.0.1:<port> (not allowed). Prints the page's
// results as JSON; screenshots go to S2_SCREENSHOT_DIR.
import { readFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const pageDir = process.env.S2_PAGE_DIR;
const config = readFileSync(process.env.S2_CONFIG);
const shots = process.env.S2_SCREENSHOT_DIR;
mkdirSync(shots, { recursive: true });

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/config.json') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(config);
  } else if (url.pathname === '/' || url.pathname === '/index.html') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(readFileSync(path.join(pageDir, 'index.html')));
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;

const browser = await puppeteer.launch({
  executablePath: process.env.S2_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],
});
const out = {};
const consoleLines = [];
try {
  for (const [mode, origin] of [['allowed', `http://localhost:${port}`], ['blocked', `http://127.0.0.1:${port}`]]) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 520 });
    page.on('console', (m) => consoleLines.push(`[${mode}] ${m.type()}: ${m.text()}`));
    await page.goto(`${origin}/index.html?mode=${mode}`);
    await page.waitForFunction('window.__done === true', { timeout: 60000 });
    out[mode] = await page.evaluate(() => window.__results);
    await page.screenshot({ path: path.join(shots, `${mode}.png`) });
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
out.console = consoleLines;
console.log(JSON.stringify(out));
