// Pending multipart uploads, per bucket and across buckets: what each was
// initiated with, the parts received so far; abort one or many.
import {explain} from './s3.js';
import {age, bytes, h, metaList, say, table, time} from './ui.js';

async function loadAll(client, only) {
  const names = only ? [only] : (await client.listBuckets()).map((b) => b.name);
  const lists = await Promise.all(names.map((b) => client.listUploads(b).catch((e) => {
    say(`${b}: ${explain(e)}`, 'error');
    return [];
  })));
  const uploads = lists.flat().slice(0, 500);
  // Parts and initiation metadata, a few uploads at a time.
  let next = 0;
  const worker = async () => {
    while (next < uploads.length) {
      const u = uploads[next++];
      try {
        Object.assign(u, await client.listParts(u.bucket, u.key, u.uploadId));
      } catch (e) {
        u.error = explain(e);
        u.parts = [];
        u.meta = [];
      }
    }
  };
  await Promise.all([1, 2, 3, 4].map(worker));
  return {names, uploads};
}

function partsTable(u) {
  if (u.parts.length === 0) return h('p', {class: 'muted'}, 'No parts received yet.');
  return table(
      `Parts of ${u.key}`, ['Part', 'Size', 'ETag', 'Received'],
      u.parts.map(
          (p) =>
              h('tr', {}, h('td', {class: 'num'}, p.number), h('td', {class: 'num'}, bytes(p.size)),
                h('td', {class: 'mono'}, p.etag), h('td', {}, time(p.modified)))),
      {class: 'parts'});
}

function uploadCard(u, selected, onAbort) {
  const total = u.parts.reduce((a, p) => a + p.size, 0);
  const id = `up-${u.uploadId}`;
  const box =
      h('input',
        {type: 'checkbox', id: `sel-${u.uploadId}`, 'aria-label': `Select upload of ${u.key}`});
  box.checked = selected.has(u.uploadId);
  box.addEventListener(
      'change', () => (box.checked ? selected.add(u.uploadId) : selected.delete(u.uploadId)));
  return h(
      'article', {class: 'upload card', id, 'data-upload-id': u.uploadId, 'data-key': u.key},
      h('div', {class: 'upload-head'}, box,
        h('h2', {}, h('span', {class: 'bucket-name'}, u.bucket), ' / ',
          h('span', {class: 'key'}, u.key)),
        h('button', {type: 'button', class: 'danger', onclick: () => onAbort([u])}, `Abort`)),
      h('dl', {class: 'facts'}, h('dt', {}, 'UploadId'),
        h('dd', {class: 'mono upload-id'}, u.uploadId), h('dt', {}, 'Initiator'),
        h('dd', {}, u.initiator), h('dt', {}, 'Initiated'),
        h('dd', {}, `${time(u.initiated)} (${age(u.initiated)} ago)`), h('dt', {}, 'Content type'),
        h('dd', {class: 'content-type'}, u.contentType || ''), h('dt', {}, 'Metadata'),
        h('dd', {class: 'upload-meta'}, metaList(u.meta)), h('dt', {}, 'Parts'),
        h('dd', {class: 'parts-summary'}, `${u.parts.length} parts, ${bytes(total)}`),
        u.abortDate ?
            [h('dt', {}, 'Abort date'), h('dd', {}, `${time(u.abortDate)} (rule ${u.abortRule})`)] :
            null),
      u.error ? h('p', {class: 'error'}, u.error) : null,
      h('details', {open: u.parts.length <= 20}, h('summary', {}, 'Parts received'),
        partsTable(u)));
}

export async function render({client, main, args}) {
  const only = args[0] || '';
  const selected = new Set();
  const heading =
      h('h1', {tabindex: '-1'}, only ? `Pending uploads in ${only}` : 'Pending uploads');
  const list =
      h('div', {id: 'upload-list', 'aria-busy': 'true'}, h('p', {class: 'muted'}, 'Loading…'));
  const bucketSelect = h('select', {id: 'upload-bucket'}, h('option', {value: ''}, 'All buckets'));
  const summary = h('p', {id: 'upload-summary', class: 'muted'});
  const abortSelected =
      h('button', {type: 'button', class: 'danger', id: 'abort-selected'}, 'Abort selected');
  const refresh = h('button', {type: 'button', id: 'refresh-uploads'}, 'Refresh');
  main.append(heading, h('div', {class: 'toolbar'}, h('label', { for: 'upload-bucket'
                         }, 'Bucket'), bucketSelect, refresh, abortSelected), summary, list);

  let current = [];
  const abort = async (items) => {
    if (items.length === 0) {
      say('Select uploads to abort first.');
      return;
    }
    if (!window.confirm(`Abort ${items.length} upload(s)? Their parts are deleted.`)) return;
    let done = 0;
    for (const u of items) {
      try {
        await client.abortUpload(u.bucket, u.key, u.uploadId);
        done++;
      } catch (e) {
        say(`${u.key}: ${explain(e)}`, 'error');
      }
    }
    say(`Aborted ${done} upload(s).`);
    await load();
  };
  abortSelected.addEventListener(
      'click', () => abort(current.filter((u) => selected.has(u.uploadId))));
  refresh.addEventListener('click', () => load());
  bucketSelect.addEventListener('change', () => {
    location.hash =
        bucketSelect.value ? `#/uploads/${encodeURIComponent(bucketSelect.value)}` : '#/uploads';
  });

  async function load() {
    list.setAttribute('aria-busy', 'true');
    const {uploads} = await loadAll(client, only);
    current = uploads;
    const total = uploads.reduce((a, u) => a + u.parts.reduce((b, p) => b + p.size, 0), 0);
    summary.textContent = `${uploads.length} pending upload(s), ${bytes(total)} in parts.`;
    list.replaceChildren(
        ...(uploads.length ? uploads.map((u) => uploadCard(u, selected, abort)) :
                             [h('p', {class: 'empty'}, 'No multipart upload is pending.')]));
    list.setAttribute('aria-busy', 'false');
  }

  const names = (await client.listBuckets()).map((b) => b.name);
  for (const n of names) bucketSelect.append(h('option', {value: n, selected: n === only}, n));
  await load();
}
