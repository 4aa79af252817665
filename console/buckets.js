// Buckets and objects: list/create/delete buckets; browse a bucket by prefix
// ('/' delimiter, pages of 100); object details, download, delete; upload
// with progress (multipart over 8 MiB, parts in parallel, abort on cancel).
import {explain, uploadFile} from './s3.js';
import {bytes, h, metaList, say, table, time} from './ui.js';

const PART = 8 * 1024 * 1024;

function bucketLink(name, prefix = '') {
  return `#/buckets/${encodeURIComponent(name)}${
      prefix ? `?prefix=${encodeURIComponent(prefix)}` : ''}`;
}

async function renderList({client, main}) {
  const input = h('input', {
    id: 'new-bucket',
    name: 'bucket',
    required: true,
    pattern: '[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]',
    spellcheck: 'false',
    'aria-describedby': 'new-bucket-help'
  });
  const form =
      h('form', {class: 'toolbar', id: 'create-bucket'},
        h('label',
          { for: 'new-bucket'
          },
          'New bucket'),
        input, h('button', {type: 'submit', class: 'primary'}, 'Create bucket'),
        h('span', {id: 'new-bucket-help', class: 'muted'},
          '3–63 lower-case letters, digits, dots, hyphens'));
  const list = h('div', {id: 'bucket-list'});
  main.append(h('h1', {tabindex: '-1'}, 'Buckets'), form, list);
  async function load() {
    const buckets = await client.listBuckets();
    list.replaceChildren(
        buckets.length === 0 ?
            h('p', {class: 'empty'}, 'No buckets yet.') :
            table(
                'Your buckets', ['Name', 'Created', 'Actions'],
                buckets.map(
                    (b) =>
                        h('tr', {'data-bucket': b.name},
                          h('td', {}, h('a', {href: bucketLink(b.name)}, b.name)),
                          h('td', {}, time(b.created)),
                          h('td', {class: 'actions'},
                            h('a', {href: `#/uploads/${encodeURIComponent(b.name)}`},
                              'Pending uploads'),
                            h('button', {
                              type: 'button',
                              class: 'danger',
                              'aria-label': `Delete bucket ${b.name}`,
                              onclick: async () => {
                                if (!window.confirm(`Delete bucket ${b.name}? It must be empty.`))
                                  return;
                                try {
                                  await client.deleteBucket(b.name);
                                  say(`Deleted bucket ${b.name}.`);
                                  await load();
                                } catch (e) {
                                  say(explain(e), 'error');
                                }
                              }
                            },
                              'Delete'))))));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await client.createBucket(input.value.trim());
      say(`Created bucket ${input.value.trim()}.`);
      input.value = '';
      await load();
    } catch (e) {
      say(explain(e), 'error');
    }
  });
  await load();
}

function parseMeta(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const i = l.indexOf('=');
    return i < 0 ? [l, ''] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
}

function uploadForm(client, bucket, prefix, onDone) {
  const file = h('input', {type: 'file', id: 'upload-file', required: true});
  const key = h('input', {
    id: 'upload-key',
    spellcheck: 'false',
    placeholder: 'file name',
    'aria-describedby': 'upload-key-help'
  });
  const meta =
      h('textarea', {id: 'upload-meta', rows: '2', placeholder: 'name=value, one per line'});
  const progress = h(
      'progress', {id: 'upload-progress', max: '100', value: '0', 'aria-label': 'Upload progress'});
  const progressText = h('span', {id: 'upload-progress-text', 'aria-live': 'polite'});
  const cancel =
      h('button', {type: 'button', id: 'upload-cancel', disabled: true}, 'Cancel upload');
  const submit = h('button', {type: 'submit', class: 'primary', id: 'upload-submit'}, 'Upload');
  const form =
      h('form', {class: 'card upload-form', id: 'upload-form'},
        h('h2', {}, `Upload to ${bucket}/${prefix}`),
        h('div', {class: 'grid'},
          h('label',
            { for: 'upload-file'
            },
            'File'),
          file,
          h('label',
            { for: 'upload-key'
            },
            'Key'),
          h('div', {}, key,
            h('small', {id: 'upload-key-help', class: 'muted'},
              ` under "${prefix}"; empty: the file's name`)),
          h('label',
            { for: 'upload-meta'
            },
            'Metadata (x-amz-meta-*)'),
          meta),
        h('div', {class: 'toolbar'}, submit, cancel, progress, progressText));
  let running = null;
  cancel.addEventListener('click', () => running?.cancel());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = file.files[0];
    if (!f) return;
    const k = prefix + (key.value.trim() || f.name);
    submit.disabled = true;
    cancel.disabled = false;
    progress.value = 0;
    const multipart = f.size > PART;
    running = uploadFile(client, bucket, k, f, {
      meta: parseMeta(meta.value),
      partSize: PART,
      onProgress: (sent, total) => {
        progress.value = Math.floor((sent / total) * 100);
        progressText.textContent = `${bytes(sent)} of ${bytes(total)}${
            multipart ? ` in ${Math.ceil(total / PART)} parts` : ''}`;
      }
    });
    try {
      const r = await running.promise;
      progress.value = 100;
      say(`Uploaded ${k} (${bytes(f.size)}${r.parts ? `, ${r.parts} parts` : ''}).`);
      form.dataset.done = k;
      onDone();
    } catch (e) {
      say(explain(e), e.code === 'Cancelled' ? 'info' : 'error');
      progressText.textContent =
          e.code === 'Cancelled' ? 'Cancelled; the multipart upload was aborted.' : explain(e);
    } finally {
      running = null;
      submit.disabled = false;
      cancel.disabled = true;
    }
  });
  return form;
}

function tagList(count, tags) {
  if (count === 0) return h('span', {class: 'muted'}, 'none');
  if (!tags) return `${count} tag(s)`;
  return h('dl', {class: 'meta'}, tags.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function showDetails(client, bucket, key, panel, reload) {
  panel.replaceChildren(h('p', {class: 'muted'}, 'Loading…'));
  try {
    const o = await client.headObject(bucket, key);
    const url = await client.downloadUrl(bucket, key);
    const tags = o.tagCount > 0 ? await client.objectTags(bucket, key) : [];
    panel.replaceChildren(
        h('section', {class: 'card', id: 'object-details', 'aria-label': `Details of ${key}`},
          h('h2', {}, key),
          h('dl', {class: 'facts'}, h('dt', {}, 'Size'),
            h('dd', {class: 'size'}, `${bytes(o.size)} (${o.size} bytes)`), h('dt', {}, 'ETag'),
            h('dd', {class: 'mono etag'}, o.etag), h('dt', {}, 'Parts'),
            h('dd', {class: 'parts-count'}, o.parts ? String(o.parts) : 'single PUT'),
            h('dt', {}, 'Content type'), h('dd', {class: 'content-type'}, o.contentType),
            h('dt', {}, 'Last modified'), h('dd', {}, time(o.modified)), h('dt', {}, 'Metadata'),
            h('dd', {class: 'object-meta'}, metaList(o.meta)), h('dt', {}, 'Tags'),
            h('dd', {class: 'object-tags'}, tagList(o.tagCount, tags))),
          h('div', {class: 'toolbar'},
            h('a', {class: 'button', href: url, download: key.split('/').pop()}, 'Download'),
            h('button', {
              type: 'button',
              class: 'danger',
              onclick: async () => {
                if (!window.confirm(`Delete ${key}?`)) return;
                try {
                  await client.deleteObject(bucket, key);
                  say(`Deleted ${key}.`);
                  panel.replaceChildren();
                  reload();
                } catch (e) {
                  say(explain(e), 'error');
                }
              }
            },
              'Delete object'))));
    panel.querySelector('h2').setAttribute('tabindex', '-1');
    panel.querySelector('h2').focus();
  } catch (e) {
    panel.replaceChildren(h('p', {class: 'error'}, explain(e)));
  }
}

async function renderBucket({client, main, args, params}) {
  const bucket = args[0];
  const prefix = params.get('prefix') || '';
  const tokens = [''];  // continuation tokens of the pages seen
  let page = 0;
  const crumbs =
      [h('a', {href: '#/buckets'}, 'Buckets'), ' / ', h('a', {href: bucketLink(bucket)}, bucket)];
  let acc = '';
  for (const part of prefix.split('/').filter(Boolean)) {
    acc += part + '/';
    crumbs.push(' / ', h('a', {href: bucketLink(bucket, acc)}, part));
  }
  const list = h('div', {id: 'object-list'});
  const details = h('div', {id: 'details'});
  const prev = h('button', {type: 'button', id: 'page-prev', disabled: true}, 'Previous page');
  const next = h('button', {type: 'button', id: 'page-next', disabled: true}, 'Next page');
  main.append(
      h('h1', {tabindex: '-1'}, `Bucket ${bucket}`),
      h('nav', {class: 'crumbs', 'aria-label': 'Prefix'}, crumbs),
      uploadForm(client, bucket, prefix, () => load()), list,
      h('div', {class: 'toolbar'}, prev, next), details);
  async function load() {
    const r = await client.listObjects(bucket, prefix, tokens[page]);
    const rows = [
      ...r.prefixes.map(
          (p) =>
              h('tr', {},
                h('td', {},
                  h('a', {href: bucketLink(bucket, p), class: 'folder'}, p.slice(prefix.length))),
                h('td', {}), h('td', {}), h('td', {}))),
      ...r.objects.map(
          (o) =>
              h('tr', {'data-key': o.key},
                h('td', {},
                  h('button', {
                    type: 'button',
                    class: 'link',
                    onclick: () => showDetails(client, bucket, o.key, details, load)
                  },
                    o.key.slice(prefix.length))),
                h('td', {class: 'num'}, bytes(o.size)), h('td', {}, time(o.modified)),
                h('td', {class: 'mono'}, o.etag))),
    ];
    list.replaceChildren(
        rows.length ?
            table(
                `Objects in ${bucket}/${prefix}`, ['Name', 'Size', 'Last modified', 'ETag'], rows) :
            h('p', {class: 'empty'}, 'No objects under this prefix.'));
    tokens[page + 1] = r.truncated ? r.next : undefined;
    prev.disabled = page === 0;
    next.disabled = !r.truncated;
  }
  prev.addEventListener('click', () => {
    page--;
    load();
  });
  next.addEventListener('click', () => {
    page++;
    load();
  });
  await load();
}

export function render(ctx) {
  return ctx.args[0] ? renderBucket(ctx) : renderList(ctx);
}
