// A small S3 client over fetch/XMLHttpRequest for the console: every request
// is signed in the page (sigv4.js) and parsed with DOMParser.
import {canonicalQuery, presign, sha256Hex, signHeaders, uriEncode} from './sigv4.js';

export const UNSIGNED = 'UNSIGNED-PAYLOAD';

export class S3Error extends Error {
  constructor(status, code, message, requestId) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || `HTTP${status}`;
    this.requestId = requestId || '';
  }
}

// What a person should read for an error the server sent.
export function explain(err) {
  switch (err.code) {
    case 'InvalidAccessKeyId':
      return 'Sign-in failed: the server does not know this access key.';
    case 'SignatureDoesNotMatch':
      return 'Sign-in failed: the secret key is wrong for this access key (or the region differs).';
    case 'RequestTimeTooSkewed':
      return 'The clock of this computer differs too much from the server\'s.';
    case 'AccessDenied':
      return `Access denied: ${err.message}`;
    default:
      return err.status ? `${err.code}: ${err.message}` : String(err.message || err);
  }
}

function parseXml(text) {
  return new DOMParser().parseFromString(text, 'application/xml');
}

// Text of the first <name> child (namespace-agnostic), or ''.
export function childText(node, name) {
  for (const c of node.children)
    if (c.localName === name) return c.textContent;
  return '';
}
export function children(node, name) {
  return Array.from(node.children).filter((c) => c.localName === name);
}

function errorFrom(status, text, headers) {
  let code = '';
  let message = '';
  if (text && text.trimStart().startsWith('<')) {
    const doc = parseXml(text);
    if (doc.documentElement) {
      code = childText(doc.documentElement, 'Code');
      message = childText(doc.documentElement, 'Message');
    }
  } else if (status === 403 && !text) {
    code = 'AccessDenied';
  }
  return new S3Error(status, code, message, headers?.get?.('x-amz-request-id'));
}

export function objectPath(bucket, key) {
  let p = '/';
  if (bucket) p += uriEncode(bucket);
  if (key !== undefined && key !== null && key !== '') p += '/' + uriEncode(key, true);
  return p;
}

export class Client {
  constructor(creds) {
    this.creds = creds;  // {accessKey, secretKey, region}
    this.host = location.host;
  }

  async sign(method, path, params, headers, payloadHash) {
    const query = canonicalQuery(params);
    const signed = await signHeaders(
        {method, path, query, headers, payloadHash, creds: this.creds, host: this.host});
    return {url: query ? `${path}?${query}` : path, headers: signed};
  }

  // A signed fetch. Throws S3Error for a non-2xx answer.
  async raw(method, path, {params = [], headers = {}, body = null, signal} = {}) {
    const hash = body === null ? await sha256Hex('') : await sha256Hex(body);
    const {url, headers: h} = await this.sign(method, path, params, headers, hash);
    const res = await fetch(
        url, {method, headers: h, body, signal, cache: 'no-store', credentials: 'omit'});
    if (!res.ok)
      throw errorFrom(res.status, method === 'HEAD' ? '' : await res.text(), res.headers);
    return res;
  }

  async xml(method, path, opts) {
    const res = await this.raw(method, path, opts);
    return {doc: parseXml(await res.text()).documentElement, res};
  }

  async whoami() {
    const {doc, res} = await this.xml('GET', '/');
    return {
      user: res.headers.get('x-amz-s2-requester') ||
          childText(children(doc, 'Owner')[0] || doc, 'DisplayName'),
      doc
    };
  }

  async listBuckets() {
    const {doc} = await this.xml('GET', '/');
    const list = children(doc, 'Buckets')[0];
    return list ?
        children(list, 'Bucket')
            .map((b) => ({name: childText(b, 'Name'), created: childText(b, 'CreationDate')})) :
        [];
  }

  createBucket(name) {
    return this.raw('PUT', objectPath(name));
  }
  deleteBucket(name) {
    return this.raw('DELETE', objectPath(name));
  }

  async listObjects(bucket, prefix, token, maxKeys = 100) {
    const params =
        [['list-type', '2'], ['delimiter', '/'], ['prefix', prefix], ['max-keys', String(maxKeys)]];
    if (token) params.push(['continuation-token', token]);
    const {doc} = await this.xml('GET', objectPath(bucket), {params});
    return {
      prefixes: children(doc, 'CommonPrefixes').map((p) => childText(p, 'Prefix')),
      objects: children(doc, 'Contents').map((c) => ({
                                               key: childText(c, 'Key'),
                                               size: Number(childText(c, 'Size')),
                                               etag: childText(c, 'ETag'),
                                               modified: childText(c, 'LastModified')
                                             })),
      truncated: childText(doc, 'IsTruncated') === 'true',
      next: childText(doc, 'NextContinuationToken'),
    };
  }

  async headObject(bucket, key) {
    const res = await this.raw('HEAD', objectPath(bucket, key));
    const meta = [];
    res.headers.forEach((v, k) => {
      if (k.startsWith('x-amz-meta-')) meta.push([k.slice(11), v]);
    });
    const etag = res.headers.get('etag') || '';
    const m = /-(\d+)"?$/.exec(etag);
    return {
      size: Number(res.headers.get('content-length')),
      etag,
      contentType: res.headers.get('content-type') || '',
      modified: res.headers.get('last-modified') || '',
      meta,
      parts: m ? Number(m[1]) : 0,
      tagCount: Number(res.headers.get('x-amz-tagging-count') || 0)
    };
  }

  // The object's tags (GetObjectTagging), or null when the server does not
  // implement it.
  async objectTags(bucket, key) {
    try {
      const {doc} = await this.xml('GET', objectPath(bucket, key), {params: [['tagging', '']]});
      const set = children(doc, 'TagSet')[0];
      return set ? children(set, 'Tag').map((t) => [childText(t, 'Key'), childText(t, 'Value')]) :
                   [];
    } catch (e) {
      if (e.status === 501) return null;
      throw e;
    }
  }

  deleteObject(bucket, key) {
    return this.raw('DELETE', objectPath(bucket, key));
  }

  downloadUrl(bucket, key) {
    return presign({path: objectPath(bucket, key), creds: this.creds, host: this.host});
  }

  // Every pending upload of a bucket (follows the markers).
  async listUploads(bucket) {
    const out = [];
    let keyMarker = '';
    let idMarker = '';
    for (let page = 0; page < 50; page++) {
      const params = [['uploads', '']];
      if (keyMarker) params.push(['key-marker', keyMarker], ['upload-id-marker', idMarker]);
      const {doc} = await this.xml('GET', objectPath(bucket), {params});
      for (const u of children(doc, 'Upload')) {
        const init = children(u, 'Initiator')[0];
        out.push({
          bucket,
          key: childText(u, 'Key'),
          uploadId: childText(u, 'UploadId'),
          initiator: init ? childText(init, 'DisplayName') || childText(init, 'ID') : '',
          initiated: childText(u, 'Initiated')
        });
      }
      if (childText(doc, 'IsTruncated') !== 'true') break;
      keyMarker = childText(doc, 'NextKeyMarker');
      idMarker = childText(doc, 'NextUploadIdMarker');
    }
    return out;
  }

  // The parts received so far, with what the upload was initiated with
  // (s2lite's x-s2lite-upload-* headers on ListParts).
  async listParts(bucket, key, uploadId) {
    const parts = [];
    let marker = '0';
    let headers = null;
    for (let page = 0; page < 20; page++) {
      const params = [['uploadId', uploadId], ['part-number-marker', marker]];
      const {doc, res} = await this.xml('GET', objectPath(bucket, key), {params});
      headers = headers || res.headers;
      for (const p of children(doc, 'Part')) {
        parts.push({
          number: Number(childText(p, 'PartNumber')),
          size: Number(childText(p, 'Size')),
          etag: childText(p, 'ETag'),
          modified: childText(p, 'LastModified')
        });
      }
      if (childText(doc, 'IsTruncated') !== 'true') break;
      marker = childText(doc, 'NextPartNumberMarker');
    }
    const meta = [];
    headers.forEach((v, k) => {
      if (k.startsWith('x-s2lite-upload-meta-')) meta.push([k.slice(21), v]);
    });
    return {
      parts,
      meta,
      contentType: headers.get('x-s2lite-upload-content-type') || '',
      abortDate: headers.get('x-amz-abort-date') || '',
      abortRule: headers.get('x-amz-abort-rule-id') || ''
    };
  }

  abortUpload(bucket, key, uploadId) {
    return this.raw('DELETE', objectPath(bucket, key), {params: [['uploadId', uploadId]]});
  }

  async createUpload(bucket, key, headers) {
    const {doc} =
        await this.xml('POST', objectPath(bucket, key), {params: [['uploads', '']], headers});
    return childText(doc, 'UploadId');
  }

  async completeUpload(bucket, key, uploadId, parts) {
    const body = '<CompleteMultipartUpload>' +
        parts
            .map(
                (p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>${
                    p.etag.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</ETag></Part>`)
            .join('') +
        '</CompleteMultipartUpload>';
    const {doc} =
        await this.xml('POST', objectPath(bucket, key), {params: [['uploadId', uploadId]], body});
    return childText(doc, 'ETag');
  }

  // A PUT of a Blob with upload progress (XMLHttpRequest: fetch has none).
  // Resolves with the ETag; `onProgress(bytesSent)`; `track(xhr)` lets the
  // caller abort it.
  async putBlob(path, params, blob, headers, onProgress, track) {
    const {url, headers: h} = await this.sign('PUT', path, params, headers, UNSIGNED);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      for (const [k, v] of Object.entries(h)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress?.(blob.size);
          resolve(xhr.getResponseHeader('ETag'));
        } else {
          reject(errorFrom(xhr.status, xhr.responseText, {get: (n) => xhr.getResponseHeader(n)}));
        }
      };
      xhr.onerror = () =>
          reject(new S3Error(0, 'NetworkError', 'The upload failed (network error)'));
      xhr.onabort = () => reject(new S3Error(0, 'Cancelled', 'Upload cancelled'));
      track?.(xhr);
      xhr.send(blob);
    });
  }

  // --- s2lite admin endpoints (signed; admin users only, 403 otherwise) ---
  async faults() {
    return (await this.raw('GET', '/_s2lite/faults')).json();
  }
  async addFault(rule) {
    return (await this.raw('POST', '/_s2lite/faults', {body: JSON.stringify(rule), headers: {}}))
        .json();
  }
  removeFault(id) {
    return this.raw('DELETE', `/_s2lite/faults/${id}`);
  }
  clearFaults() {
    return this.raw('DELETE', '/_s2lite/faults');
  }
  async recentRequests() {
    return (await this.raw('GET', '/_s2lite/requests')).json();
  }
}

// Uploads `file` to bucket/key: one PUT up to `partSize`, else a multipart
// upload with `parallel` parts in flight. Returns {promise, cancel}.
export function uploadFile(
    client, bucket, key, file,
    {meta = [], partSize = 8 * 1024 * 1024, parallel = 3, onProgress} = {}) {
  const headers = {};
  for (const [k, v] of meta) headers['x-amz-meta-' + k.toLowerCase()] = v;
  const contentType = file.type || 'application/octet-stream';
  const xhrs = new Set();
  let cancelled = false;
  let uploadId = '';
  const track = (x) => {
    xhrs.add(x);
    x.addEventListener('loadend', () => xhrs.delete(x));
  };
  const sent = new Map();
  const report = () => onProgress?.([...sent.values()].reduce((a, b) => a + b, 0), file.size);
  const path = objectPath(bucket, key);
  const promise = (async () => {
    if (file.size <= partSize) {
      const etag =
          await client.putBlob(path, [], file, {...headers, 'content-type': contentType}, (n) => {
            sent.set(0, n);
            report();
          }, track);
      return {etag, parts: 0};
    }
    uploadId = await client.createUpload(bucket, key, {...headers, 'content-type': contentType});
    const count = Math.ceil(file.size / partSize);
    const parts = new Array(count);
    let next = 0;
    const worker = async () => {
      while (!cancelled && next < count) {
        const i = next++;
        const blob = file.slice(i * partSize, Math.min(file.size, (i + 1) * partSize));
        const etag = await client.putBlob(
            path, [['partNumber', String(i + 1)], ['uploadId', uploadId]], blob, {}, (n) => {
              sent.set(i, n);
              report();
            }, track);
        parts[i] = {number: i + 1, etag};
      }
    };
    try {
      await Promise.all(Array.from({length: Math.min(parallel, count)}, worker));
      if (cancelled) throw new S3Error(0, 'Cancelled', 'Upload cancelled');
      const etag = await client.completeUpload(bucket, key, uploadId, parts);
      return {etag, parts: count};
    } catch (e) {
      cancelled = true;
      for (const x of xhrs) x.abort();
      await client.abortUpload(bucket, key, uploadId).catch(() => {});
      throw e;
    }
  })();
  const cancel = () => {
    cancelled = true;
    for (const x of xhrs) x.abort();
  };
  return {promise, cancel};
}
