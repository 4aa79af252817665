// Fault rules (admins only): the armed rules with how often each fired; add
// one from a form; remove one; clear all. GET/POST/DELETE /_s2lite/faults.
import {explain} from './s3.js';
import {h, say, table} from './ui.js';

const OPS = [
  '',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
  'PutObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'DeleteObjects',
  'CopyObject',
  'ListObjects',
  'ListObjectsV2',
  'ListBuckets',
  'CreateBucket',
  'DeleteBucket',
  'HeadBucket'
];

function field(id, label, input) {
  input.id = id;
  input.name = id.replace(/^fault-/, '');
  return h('div', {class: 'field'}, h('label', { for: id
           }, label), input);
}

export async function render({client, main}) {
  const list = h('div', {id: 'fault-list'});
  const fired = h('p', {id: 'faults-fired', class: 'muted'});
  const form =
      h('form', {class: 'card', id: 'fault-form'}, h('h2', {}, 'Arm a fault'),
        h('div', {class: 'fields'},
          field(
              'fault-operation', 'Operation',
              h('select', {}, OPS.map((o) => h('option', {value: o}, o || 'any')))),
          field('fault-bucket', 'Bucket', h('input', {spellcheck: 'false'})),
          field('fault-prefix', 'Key prefix', h('input', {spellcheck: 'false'})),
          field('fault-part', 'Part number', h('input', {type: 'number', min: '0', value: '0'})),
          field(
              'fault-action', 'Action',
              h('select', {},
                ['error', 'delay', 'reset', 'truncate'].map((a) => h('option', {value: a}, a)))),
          field('fault-code', 'Error code', h('input', {value: 'SlowDown', spellcheck: 'false'})),
          field(
              'fault-status', 'HTTP status',
              h('input', {type: 'number', min: '100', max: '599', value: '503'})),
          field('fault-delay', 'Delay (ms)', h('input', {type: 'number', min: '0', value: '0'})),
          field(
              'fault-times', 'Times (0 = always)',
              h('input', {type: 'number', min: '0', value: '1'})),
          field(
              'fault-probability', 'Probability',
              h('input', {type: 'number', min: '0', max: '1', step: '0.01', value: '1'}))),
        h('div', {class: 'toolbar'}, h('button', {type: 'submit', class: 'primary'}, 'Arm fault'),
          h('button', {
            type: 'button',
            class: 'danger',
            id: 'faults-clear',
            onclick: async () => {
              if (!window.confirm('Remove every fault rule?')) return;
              try {
                await client.clearFaults();
                say('All fault rules removed.');
                await load();
              } catch (e) {
                say(explain(e), 'error');
              }
            }
          },
            'Clear all')));
  main.append(
      h('h1', {tabindex: '-1'}, 'Faults'),
      h('p', {class: 'muted'},
        'Server-wide fault injection: matching requests fail, stall or break as configured.'),
      fired, list, form);

  async function load() {
    const rules = await client.faults();
    list
        .replaceChildren(
            rules.length === 0 ?
                h('p', {class: 'empty'}, 'No fault is armed.') :
                table(
                    'Armed fault rules',
                    [
                      'Id', 'Operation', 'Bucket', 'Prefix', 'Part', 'Action', 'Code', 'Status',
                      'Delay', 'Times', 'Remaining', 'Probability', 'Fired', ''
                    ],
                    rules
                        .map(
                            (r) =>
                                h('tr', {'data-fault-id': r.id}, h('td', {}, r.id),
                                  h('td', {}, r.operation || 'any'), h('td', {}, r.bucket),
                                  h('td', {}, r.prefix), h('td', {}, r.part || ''),
                                  h('td', {}, r.action), h('td', {}, r.code), h('td', {}, r.status),
                                  h('td', {}, r.delay_ms ? `${r.delay_ms} ms` : ''),
                                  h('td', {}, r.times < 0 ? 'always' : r.times),
                                  h('td', {}, r.remaining < 0 ? '∞' : r.remaining),
                                  h('td', {}, r.probability),
                                  h('td', {class: 'fired num'}, r.fired ?? ''),
                                  h('td', {},
                                    h(
                                        'button', {
                                          type: 'button',
                                          class: 'danger',
                                          'aria-label': `Remove fault rule ${r.id}`,
                                          onclick:
                                              async () => {
                                                try {
                                                  await client.removeFault(r.id);
                                                  say(`Removed fault rule ${r.id}.`);
                                                  await load();
                                                } catch (e) {
                                                  say(explain(e), 'error');
                                                }
                                              }
                                        },
                                        'Remove'))))));
    try {
      const text = await (await fetch('/_s2lite/metrics', {cache: 'no-store'})).text();
      const m = /^s2lite_faults_fired_total (\d+)/m.exec(text);
      fired.textContent = m ? `Faults fired since start: ${m[1]}` : '';
    } catch {
      fired.textContent = '';
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (n) => form.elements[n].value.trim();
    const rule = {
      action: v('action'),
      times: Number(v('times')) > 0 ? Number(v('times')) : -1,
      probability: Number(v('probability'))
    };
    if (v('operation')) rule.operation = v('operation');
    if (v('bucket')) rule.bucket = v('bucket');
    if (v('prefix')) rule.prefix = v('prefix');
    if (Number(v('part'))) rule.part = Number(v('part'));
    if (rule.action === 'error') {
      rule.code = v('code');
      rule.status = Number(v('status'));
    }
    if (rule.action === 'delay') rule.delay_ms = Number(v('delay'));
    try {
      const r = await client.addFault(rule);
      say(`Armed fault rule ${r.id}.`);
      await load();
    } catch (e) {
      say(explain(e), 'error');
    }
  });
  await load();
  const timer = setInterval(() => load().catch(() => {}), 3000);
  return () => clearInterval(timer);
}
