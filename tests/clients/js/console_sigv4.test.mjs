// The console's in-browser SigV4 signer (console/sigv4.js, WebCrypto) against
// the AWS SigV4 test suite (tests/testdata/aws-sigv4-suite), in node, which
// has the same WebCrypto API. Run by ../console_test.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { canonicalQuery, presign, sha256Hex, signHeaders, uriEncode } from '../../../console/sigv4.js';

const suite = fileURLToPath(new URL('../../testdata/aws-sigv4-suite/', import.meta.url));
const creds = { accessKey: 'AKIDEXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1' };
const now = new Date('2015-08-30T12:36:00Z');
const read = (name, file) => readFileSync(`${suite}${name}/${file}`, 'utf8').trim();

// "GET /path?query HTTP/1.1" + headers -> the request's parts (decoded path and query).
function parse(name) {
  const [line, ...headers] = read(name, 'request.txt').split('\n');
  const target = line.split(' ')[1];
  const [path, q = ''] = target.split('?');
  const params = q ? q.split('&').map((kv) => kv.split('=').map(decodeURIComponent)) : [];
  const hdrs = Object.fromEntries(headers.filter(Boolean).map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1)]));
  return { method: line.split(' ')[0], path: decodeURIComponent(path), params, headers: hdrs };
}

for (const name of ['get-vanilla', 'get-vanilla-query', 'get-vanilla-query-order-key-case',
  'get-vanilla-utf8-query', 'get-vanilla-query-unreserved', 'get-unreserved', 'post-vanilla',
  'post-vanilla-query', 'post-header-key-sort']) {
  test(`signs the suite's ${name} like AWS`, async () => {
    const r = parse(name);
    const { host, ...extra } = r.headers;
    delete extra['x-amz-date'];
    const out = await signHeaders({ method: r.method, path: uriEncode(r.path, true), query: canonicalQuery(r.params),
      headers: extra, payloadHash: await sha256Hex(''), creds, host, now, service: 'service', sendPayloadHash: false });
    assert.equal(out.authorization.split('Signature=')[1], read(name, 'header-signature.txt'));
    assert.equal(out['x-amz-date'], '20150830T123600Z');
  });
}

test("presigns the suite's get-vanilla like AWS", async () => {
  const url = await presign({ path: '/', creds, host: 'example.amazonaws.com', expires: 3600, now,
    service: 'service', payloadHash: await sha256Hex('') });
  assert.equal(url.split('X-Amz-Signature=')[1], read('get-vanilla', 'query-signature.txt'));
});

test('encodes S3 keys once, keeping slashes in paths', () => {
  assert.equal(uriEncode('a b/ሴ+(1)~', true), 'a%20b/%E1%88%B4%2B%281%29~');
  assert.equal(uriEncode('a/b'), 'a%2Fb');
  assert.equal(canonicalQuery([['uploads', ''], ['b', '2'], ['a', 'x y']]), 'a=x%20y&b=2&uploads=');
});
