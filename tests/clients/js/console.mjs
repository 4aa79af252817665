// The web console in Debian's headless Chromium (puppeteer-core), run by
// ../console_test.sh against a daemon with an admin and a non-admin user.
// Env: S2_ENDPOINT, S2_ADMIN_AK/SK, S2_USER_AK/SK, S2_BIG_FILE (20 MiB),
// S2_OUT (screenshot dir), S2_AWS (aws-cli binary).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

const env = (n) => { const v = process.env[n]; if (!v) throw new Error(`${n} is not set`); return v; };
const ENDPOINT = env('S2_ENDPOINT');
const ADMIN = { ak: env('S2_ADMIN_AK'), sk: env('S2_ADMIN_SK') };
const USER = { ak: env('S2_USER_AK'), sk: env('S2_USER_SK') };
const OUT = env('S2_OUT');
const BIG = env('S2_BIG_FILE');
const AWS = env('S2_AWS');
const BUCKET = 'console-bucket';
mkdirSync(OUT, { recursive: true });

const step = (s) => console.log(`+ ${s}`);
function aws(...args) {
  const out = execFileSync(AWS, ['--endpoint-url', ENDPOINT, '--output', 'json', 's3api', ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: ADMIN.ak, AWS_SECRET_ACCESS_KEY: ADMIN.sk }, encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'] });
  return out.trim() ? JSON.parse(out) : {};
}

const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true,
  // console.test: a name that is not a secure context (not localhost, no TLS).
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--host-resolver-rules=MAP console.test 127.0.0.1'] });
const problems = [];
const expectedFailures = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warn' && m.type() !== 'warning') return;
    const text = m.text();
    // Chromium logs every 4xx/5xx answer; these are the ones the test provokes
    // (wrong keys, the admin check of a non-admin, the armed fault).
    if (/Failed to load resource: the server responded with a status of (403|503)/.test(text)) {
      expectedFailures.push(text);
      return;
    }
    problems.push(`console.${m.type()}: ${text} ${JSON.stringify(m.location())}`);
  });
  page.on('dialog', (d) => d.accept());
  await page.setViewport({ width: 1280, height: 800 });

  const shots = async (name) => {
    await page.screenshot({ path: `${OUT}/${name}-1280.png` });
    await page.setViewport({ width: 390, height: 844 });
    await new Promise((r) => setTimeout(r, 300));
    await page.screenshot({ path: `${OUT}/${name}-390.png`, fullPage: true });
    await page.setViewport({ width: 1280, height: 800 });
    await new Promise((r) => setTimeout(r, 200));
  };
  const text = (sel) => page.$eval(sel, (e) => e.textContent);
  const go = async (hash, waitSel) => {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForSelector(waitSel);
  };
  const signIn = async (ak, sk) => {
    await page.waitForSelector('#signin-form');
    await page.$eval('#access-key', (e) => { e.value = ''; });
    await page.type('#access-key', ak);
    await page.$eval('#secret-key', (e) => { e.value = ''; });
    await page.type('#secret-key', sk);
    await page.keyboard.press('Enter');  // submits the form from the keyboard
  };

  step('open the console');
  const res = await page.goto(`${ENDPOINT}/_s2lite/console/`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'], /default-src 'self'/);
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  await page.waitForSelector('#signin-form');
  const chromeHidden = () => page.evaluate(() => ['#nav', '#who', '#sign-out']
    .every((s) => document.querySelector(s).getClientRects().length === 0));
  assert.equal(await chromeHidden(), true, 'no navigation or sign-out before signing in');
  await shots('signin');

  step('wrong credentials give a clear message');
  await signIn(ADMIN.ak, 'not-the-secret');
  await page.waitForFunction(() => document.querySelector('#signin-error')?.textContent.length > 0);
  assert.match(await text('#signin-error'), /secret key is wrong/);
  await shots('signin-wrong-secret');
  await signIn('AKIANOSUCHKEY', 'whatever');
  await page.waitForFunction(() => /does not know this access key/.test(document.querySelector('#signin-error')?.textContent));
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing stored after a failed sign-in');

  step('sign in as the admin');
  await signIn(ADMIN.ak, ADMIN.sk);
  await page.waitForSelector('#upload-list[aria-busy="false"]');
  assert.match(await text('#who-name'), /Signed in as console-admin \(admin\)/);
  assert.equal(await page.$eval('#nav-faults', (e) => e.hidden), false, 'admins see the faults panel');
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('s2lite-console-credentials')));
  assert.equal(stored.accessKey, ADMIN.ak);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');

  step('create a bucket');
  await go('#/buckets', '#create-bucket');
  await page.type('#new-bucket', BUCKET);
  await page.click('#create-bucket button[type=submit]');
  await page.waitForSelector(`tr[data-bucket="${BUCKET}"]`);
  await page.type('#new-bucket', 'console-temp');
  await page.click('#create-bucket button[type=submit]');
  await page.waitForSelector('tr[data-bucket="console-temp"]');
  await page.click('tr[data-bucket="console-temp"] button.danger');
  await page.waitForFunction(() => !document.querySelector('tr[data-bucket="console-temp"]'));
  assert.deepEqual(aws('list-buckets').Buckets.map((b) => b.Name), [BUCKET]);
  await shots('buckets');

  step('upload 20 MiB through the console (multipart, progress)');
  await go(`#/buckets/${BUCKET}`, '#upload-form');
  const input = await page.$('#upload-file');
  await input.uploadFile(BIG);
  await page.type('#upload-key', 'big/twenty.bin');
  await page.type('#upload-meta', 'project=apollo\nstage=test');
  await page.evaluate(() => {
    window.__progress = [];
    const p = document.querySelector('#upload-progress');
    new MutationObserver(() => window.__progress.push(Number(p.value))).observe(p, { attributes: true });
  });
  // Slow the upload down so its progress is visible (and photographed).
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0,
    downloadThroughput: -1, uploadThroughput: 8 * 1024 * 1024 });
  await page.click('#upload-submit');
  await page.waitForFunction(() => window.__progress.some((v) => v > 0 && v < 100), { timeout: 30000 });
  await page.screenshot({ path: `${OUT}/upload-progress-1280.png` });
  await page.waitForFunction(() => document.querySelector('#upload-form').dataset.done === 'big/twenty.bin', { timeout: 60000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const progress = await page.evaluate(() => window.__progress);
  assert.ok(progress.filter((v) => v > 0 && v < 100).length >= 2, `progress seen: ${progress}`);
  assert.equal(progress[progress.length - 1], 100);
  assert.match(await text('#upload-progress-text'), /in 3 parts/);
  const head = aws('head-object', '--bucket', BUCKET, '--key', 'big/twenty.bin');
  assert.equal(head.ContentLength, 20 * 1024 * 1024);
  assert.match(head.ETag, /-3"$/, 'a multipart upload of 3 parts');
  assert.deepEqual(head.Metadata, { project: 'apollo', stage: 'test' });

  step('cancel an upload: its multipart upload is aborted');
  await input.uploadFile(BIG);
  await page.$eval('#upload-key', (e) => { e.value = ''; });
  await page.type('#upload-key', 'big/cancelled.bin');
  await page.evaluate(() => { window.__progress = []; });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0,
    downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024 });
  await page.click('#upload-submit');
  await page.waitForFunction(() => window.__progress.some((v) => v > 0 && v < 100), { timeout: 30000 });
  await page.click('#upload-cancel');
  await page.waitForFunction(() => /Cancelled; the multipart upload was aborted/.test(
    document.querySelector('#upload-progress-text').textContent), { timeout: 30000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.waitForFunction(() => !document.querySelector('#upload-submit').disabled);
  await new Promise((r) => setTimeout(r, 500));  // a part in flight may still land (then NoSuchUpload)
  const pendingAfterCancel = aws('list-multipart-uploads', '--bucket', BUCKET);
  assert.ok(!(pendingAfterCancel.Uploads || []).some((u) => u.Key === 'big/cancelled.bin'),
    JSON.stringify(pendingAfterCancel));
  assert.throws(() => aws('head-object', '--bucket', BUCKET, '--key', 'big/cancelled.bin'), /404|Not Found/);

  step('see it listed with its metadata');
  await go(`#/buckets/${BUCKET}?prefix=big%2F`, 'tr[data-key="big/twenty.bin"]');
  await page.click('tr[data-key="big/twenty.bin"] button');
  await page.waitForSelector('#object-details .object-meta dl');
  assert.match(await text('#object-details .size'), /20971520 bytes/);
  assert.equal(await text('#object-details .parts-count'), '3');
  const meta = await text('#object-details .object-meta');
  assert.match(meta, /x-amz-meta-projectapollo/);
  assert.match(meta, /x-amz-meta-stagetest/);
  const href = await page.$eval('#object-details a[download]', (a) => a.href);
  const dl = await page.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, size: (await r.blob()).size }; }, href);
  assert.deepEqual(dl, { status: 200, size: 20 * 1024 * 1024 }, 'the presigned download link works');
  await shots('objects');

  step('a key that needs encoding, in a single PUT');
  await go(`#/buckets/${BUCKET}`, '#upload-form');
  await (await page.$('#upload-file')).uploadFile(process.env.S2_SMALL_FILE);
  await page.type('#upload-key', 'odd dir/naïve file (1)+&=.txt');
  await page.click('#upload-submit');
  await page.waitForFunction(() => document.querySelector('#upload-form').dataset.done === 'odd dir/naïve file (1)+&=.txt');
  assert.equal(aws('head-object', '--bucket', BUCKET, '--key', 'odd dir/naïve file (1)+&=.txt').ContentLength, 1024);
  await go(`#/buckets/${BUCKET}?prefix=${encodeURIComponent('odd dir/')}`, 'tr[data-key="odd dir/naïve file (1)+&=.txt"]');
  await page.click('tr[data-key="odd dir/naïve file (1)+&=.txt"] button');
  await page.waitForSelector('#object-details .parts-count');
  assert.equal(await text('#object-details .parts-count'), 'single PUT');
  assert.match(await text('#object-details .size'), /\(1024 bytes\)/);
  await page.click('#object-details button.danger');
  await page.waitForFunction(() => !document.querySelector('#object-details') &&
    !document.querySelector('tr[data-key="odd dir/naïve file (1)+&=.txt"]'));
  assert.throws(() => aws('head-object', '--bucket', BUCKET, '--key', 'odd dir/naïve file (1)+&=.txt'), /404|Not Found/);

  step('pages of 100 under a prefix');
  execFileSync(AWS, ['--endpoint-url', ENDPOINT, 's3', 'cp', '--recursive', '--quiet', process.env.S2_MANY_DIR,
    `s3://${BUCKET}/many/`], { env: { ...process.env, AWS_ACCESS_KEY_ID: ADMIN.ak, AWS_SECRET_ACCESS_KEY: ADMIN.sk },
    stdio: ['ignore', 'pipe', 'pipe'] });
  await go(`#/buckets/${BUCKET}?prefix=many%2F`, 'tr[data-key="many/f000.txt"]');
  assert.equal((await page.$$('#object-list tbody tr')).length, 100);
  assert.equal(await page.$eval('#page-next', (b) => b.disabled), false);
  await page.click('#page-next');
  await page.waitForSelector('tr[data-key="many/f104.txt"]');
  assert.equal((await page.$$('#object-list tbody tr')).length, 5);
  assert.equal(await page.$eval('#page-next', (b) => b.disabled), true);
  await page.click('#page-prev');
  await page.waitForSelector('tr[data-key="many/f000.txt"]');

  step('a multipart upload started by aws-cli is pending with its metadata and parts');
  const created = aws('create-multipart-upload', '--bucket', BUCKET, '--key', 'pending/report.csv',
    '--content-type', 'text/csv', '--metadata', 'team=storage,reason=console-test');
  const uploadId = created.UploadId;
  aws('upload-part', '--bucket', BUCKET, '--key', 'pending/report.csv', '--upload-id', uploadId,
    '--part-number', '1', '--body', process.env.S2_PART_FILE);
  aws('upload-part', '--bucket', BUCKET, '--key', 'pending/report.csv', '--upload-id', uploadId,
    '--part-number', '2', '--body', process.env.S2_SMALL_FILE);
  await go('#/uploads', `article[data-upload-id="${uploadId}"]`);
  const card = `article[data-upload-id="${uploadId}"]`;
  assert.equal(await text(`${card} .content-type`), 'text/csv');
  const umeta = await text(`${card} .upload-meta`);
  assert.match(umeta, /x-amz-meta-teamstorage/);
  assert.match(umeta, /x-amz-meta-reasonconsole-test/);
  assert.equal(await text(`${card} .upload-id`), uploadId);
  assert.match(await text(`${card} .parts-summary`), /^2 parts, 5\.00 MiB/);
  const rows = await page.$$eval(`${card} table.parts tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r[0]), ['1', '2']);
  assert.equal(rows[0][1], '5.00 MiB');
  assert.match(rows[1][2], /^"[0-9a-f]{32}"$/);
  await shots('uploads');

  step('abort it from the console; ListMultipartUploads no longer has it');
  await page.click(`#sel-${uploadId}`);
  await page.click('#abort-selected');
  await page.waitForFunction((id) => !document.querySelector(`article[data-upload-id="${id}"]`) &&
    document.querySelector('#upload-list').getAttribute('aria-busy') === 'false', {}, uploadId);
  const left = aws('list-multipart-uploads', '--bucket', BUCKET);
  assert.ok(!(left.Uploads || []).some((u) => u.UploadId === uploadId), JSON.stringify(left));
  await shots('uploads-empty');

  step('arm a fault as admin and see it fire');
  await go('#/faults', '#fault-form');
  await page.select('#fault-operation', 'ListBuckets');
  await page.$eval('#fault-code', (e) => { e.value = ''; });
  await page.type('#fault-code', 'SlowDown');
  await page.click('#fault-form button[type=submit]');
  await page.waitForSelector('tr[data-fault-id]');
  assert.equal(await text('tr[data-fault-id] .fired'), '0');
  await go('#/buckets', '#create-bucket');
  await page.waitForFunction(() => /SlowDown/.test(document.querySelector('#status').textContent + document.querySelector('main').textContent));
  await go('#/faults', 'tr[data-fault-id]');
  await page.waitForFunction(() => document.querySelector('tr[data-fault-id] .fired')?.textContent === '1');
  await page.waitForFunction(() => /Faults fired since start: 1$/.test(document.querySelector('#faults-fired').textContent));
  await shots('faults');
  await page.click('tr[data-fault-id] button.danger');
  await page.waitForFunction(() => !document.querySelector('tr[data-fault-id]'));

  step('activity: charts from /metrics and the recent requests');
  await go('#/activity', '#recent-table');
  await new Promise((r) => setTimeout(r, 4500));  // a few metrics samples
  const ops = await page.$$eval('#recent-table tbody tr', (trs) => trs.map((tr) => tr.children[1].textContent));
  assert.ok(ops.includes('AbortMultipartUpload') && ops.includes('UploadPart'), ops.join(','));
  assert.ok(ops.length <= 100);
  const legend = await text('#chart-ops + .legend');
  assert.match(legend, /\/s/);
  await shots('activity');

  step('sign out clears the keys');
  await page.click('#sign-out');
  await page.waitForSelector('#signin-form');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await chromeHidden(), true, 'no navigation or sign-out after signing out');

  step('a non-admin sees no faults panel');
  await signIn(USER.ak, USER.sk);
  await page.waitForSelector('#upload-list[aria-busy="false"]');
  assert.match(await text('#who-name'), /Signed in as console-viewer$/);
  assert.equal(await page.$eval('#nav-faults', (e) => e.hidden), true);
  await page.evaluate(() => { location.hash = '#/faults'; });
  await page.waitForSelector('#upload-list[aria-busy="false"]');
  assert.equal(await page.$('#fault-form'), null);
  await go('#/activity', '#recent p');
  assert.match(await text('#recent'), /Only admin users/);
  await shots('viewer-activity');
  await go('#/buckets', '#create-bucket');
  await shots('viewer-buckets');

  step('keyboard: the controls are labelled');
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && !e.textContent.trim()).map((e) => e.outerHTML));
  assert.deepEqual(unlabelled, []);

  step('outside a secure context the page says what to do');
  const insecure = await browser.newPage();
  insecure.on('pageerror', (e) => problems.push(`pageerror (insecure): ${e.message}`));
  await insecure.setViewport({ width: 1280, height: 800 });
  await insecure.goto(`${ENDPOINT.replace('127.0.0.1', 'console.test')}/_s2lite/console/`);
  await insecure.waitForFunction(() => /A secure context is needed/.test(document.querySelector('main').textContent));
  assert.equal(await insecure.evaluate(() => window.isSecureContext), false);
  assert.equal(await insecure.$('#signin-form'), null, 'no sign-in form where the keys could not be used safely');
  await insecure.screenshot({ path: `${OUT}/insecure-context-1280.png` });
  await insecure.close();

  assert.deepEqual(problems, [], 'no console errors on the page');
  console.log(`PASS console: ${expectedFailures.length} expected 4xx/5xx logged by Chromium`);
} finally {
  await browser.close();
}
