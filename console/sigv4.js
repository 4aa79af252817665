// AWS Signature Version 4 in the browser, with WebCrypto (HMAC-SHA256,
// SHA-256). https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// The secret never leaves the page: only signatures are sent.

const enc = new TextEncoder();

export function toHex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

async function hmac(key, msg) {
  const k = await crypto.subtle.importKey(
      'raw', typeof key === 'string' ? enc.encode(key) : key, {name: 'HMAC', hash: 'SHA-256'},
      false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(msg)));
}

// S3's URI encoding: every byte but the unreserved A-Z a-z 0-9 - . _ ~ as %XX
// (upper-case hex), '/' kept in paths.
export function uriEncode(s, keepSlash = false) {
  let out = '';
  for (const b of enc.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/'))
      out += c;
    else
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// [[name, value], ...] -> canonical query string (sorted, encoded, "name=" when empty).
export function canonicalQuery(params) {
  return params.map(([k, v]) => [uriEncode(k), uriEncode(v ?? '')])
      .sort(
          (a, b) =>
              (a[0] < b[0]     ? -1 :
                   a[0] > b[0] ? 1 :
                   a[1] < b[1] ? -1 :
                   a[1] > b[1] ? 1 :
                                 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
}

function amzDate(now) {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

async function signingKey(secret, day, region, service) {
  const kDate = await hmac('AWS4' + secret, day);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

// Signs a request. `path` is the already-encoded canonical path ("/bucket/key"),
// `query` the canonical query string, `headers` the headers to sign besides
// host and x-amz-date (names lower-case). Returns the headers to send.
// `service` and `sendPayloadHash` (S3 wants x-amz-content-sha256) exist for the
// AWS test suite's vectors, which sign for another service.
export async function signHeaders({
  method,
  path,
  query,
  headers = {},
  payloadHash,
  creds,
  host,
  now = new Date(),
  service = 's3',
  sendPayloadHash = true
}) {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const all = {...headers, host, 'x-amz-date': date};
  if (sendPayloadHash) all['x-amz-content-sha256'] = payloadHash;
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders =
      names.map((n) => `${n}:${String(lower[n]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const signed = names.join(';');
  const canonical = [method, path, query, canonicalHeaders, signed, payloadHash].join('\n');
  const scope = `${day}/${creds.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(canonical)].join('\n');
  const key = await signingKey(creds.secretKey, day, creds.region, service);
  const signature = toHex(await hmac(key, toSign));
  const out = {...all};
  delete out.host;
  out.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKey}/${scope}, ` +
      `SignedHeaders=${signed}, Signature=${signature}`;
  return out;
}

// A presigned GET URL (query-string authentication), valid `expires` seconds.
export async function presign({
  path,
  params = [],
  creds,
  host,
  expires = 300,
  now = new Date(),
  service = 's3',
  payloadHash = 'UNSIGNED-PAYLOAD'
}) {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const scope = `${day}/${creds.region}/${service}/aws4_request`;
  const q = [
    ...params, ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${creds.accessKey}/${scope}`], ['X-Amz-Date', date],
    ['X-Amz-Expires', String(expires)], ['X-Amz-SignedHeaders', 'host']
  ];
  const query = canonicalQuery(q);
  const canonical = ['GET', path, query, `host:${host}\n`, 'host', payloadHash].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(canonical)].join('\n');
  const key = await signingKey(creds.secretKey, day, creds.region, service);
  const signature = toHex(await hmac(key, toSign));
  return `${path}?${query}&X-Amz-Signature=${signature}`;
}
