// One run: summary, tags, note, hiding, charts of its loop metrics, args, timings, code, output.
'use strict';
(() => {
  const $ = s => document.querySelector(s);
  const runId = decodeURIComponent(location.pathname.split('/').pop());
  let run = null;
  let series = {};

  function kv(table, obj) {
    const entries = Object.entries(obj || {});
    table.replaceChildren(...(entries.length ? entries.map(([k, v]) => Flor.el('tr', {},
      Flor.el('th', {text: k}), Flor.el('td', {class: typeof v === 'number' ? 'num' : '', text: Flor.fmt(v)})))
      : [Flor.el('tr', {}, Flor.el('td', {class: 'muted', text: 'none'}))]));
  }

  function drawCharts() {
    const box = $('#charts');
    const names = Object.keys(series);
    if (!names.length) { box.replaceChildren(Flor.el('p', {class: 'muted', text: 'This run logged no values inside loops.'})); return; }
    const opts = {log: $('#log-scale').checked, smoothing: +$('#smoothing').value};
    for (const name of names) {
      let div = box.querySelector('.chart[data-metric="' + CSS.escape(name) + '"]');
      if (!div) {
        div = Flor.el('div', {class: 'chart', 'data-metric': name});
        box.append(Flor.el('div', {class: 'chart-box'}, Flor.el('h3', {text: name}), div));
      }
      const s = series[name];
      const fwd = {name: name, x: [], y: [], replay: false};
      const rep = {name: name + ' (replay)', x: [], y: [], replay: true};
      s.x.forEach((x, i) => { const t = s.source[i] === 'replay' ? rep : fwd; t.x.push(x); t.y.push(s.y[i]); });
      const list = [fwd, rep].filter(t => t.x.length);
      Flor.chart(div, list, Object.assign({xName: s.loops}, opts));
      div.dataset.replayed = String(rep.x.length);
    }
  }

  function renderTags() {
    $('#tags').replaceChildren(...(run.tags.length ? run.tags.map(t => Flor.el('span', {class: 'tag', 'data-tag': t}, t,
      Flor.el('button', {title: 'remove', text: '×', onclick: () => change('/tags', {tag: t, on: 'false'})})))
      : [Flor.el('span', {class: 'muted', text: 'none'})]));
    $('#hide').textContent = run.hidden ? 'Show this run again' : 'Hide this run';
  }

  async function change(path, fields) {
    try {
      const s = await Flor.post('/api/runs/' + runId + path, fields);
      Object.assign(run, {tags: s.tags, note: s.note, hidden: s.hidden});
      renderTags();
      Flor.showError($('#error'), null);
      return true;
    } catch (e) { Flor.showError($('#error'), e); return false; }
  }

  async function load(first) {
    try {
      run = await Flor.get('/api/runs/' + runId);
      series = await Flor.get('/api/runs/' + runId + '/series');
    } catch (e) { Flor.showError($('#error'), e); return; }
    Flor.header(run.projid);
    document.title = run.run_id + ' · FlorDB';
    $('#title').textContent = 'Run ' + run.run_id;
    const secs = run.end_ms && run.start_ms ? ((run.end_ms - run.start_ms) / 1000).toFixed(1) + ' s' : '';
    $('#summary').replaceChildren(...[Flor.status(run.status), Flor.el('span', {text: run.filename}),
      Flor.el('span', {class: 'muted', text: Flor.when(run.tstamp) + ' UTC'}), Flor.el('span', {class: 'muted', text: secs}),
      run.error ? Flor.el('span', {class: 'error', text: run.error}) : null].filter(Boolean));
    renderTags();
    if (first) $('#note').value = run.note || '';
    kv($('#args'), run.args);
    kv($('#values'), run.values);
    kv($('#timings'), run.timings);
    $('#checkpoints').replaceChildren(run.checkpoints.length
      ? Flor.el('p', {text: run.checkpoints.map(c => c.loop + '=' + c.index + (c.source === 'replay' ? ' (rebuilt by a replay)' : '')).join(', ')})
      : Flor.el('p', {class: 'muted', text: 'none'}));
    $('#code-version').textContent = Flor.short(run.code_version) + (run.version ? ' (snapshot ' + Flor.short(run.version) + ')' : '');
    if (run.snapshot_missing) $('#file-text').textContent = run.snapshot_missing;
    if (!run.recorded_here) {
      $('#note-saved').textContent = 'This run was recorded in another clone: \'flordb pull\' here brings its records, then it can be tagged, noted and hidden.';
    }
    $('#files').replaceChildren(...run.files.map(f => Flor.el('li', {}, Flor.el('a', {href: '#', 'data-file': f, text: f, onclick: async e => {
      e.preventDefault();
      try { const t = await Flor.get('/api/runs/' + runId + '/file?path=' + encodeURIComponent(f)); $('#file-text').textContent = t.text; $('#file-text').className = ''; }
      catch (err) { Flor.showError($('#error'), err); }
    }}))));
    $('#output').textContent = run.output || '(nothing captured)';
    drawCharts();
    if (run.status === 'running') setTimeout(() => load(false), 1500);
  }

  $('#tag-form').addEventListener('submit', async e => {
    e.preventDefault();
    const t = $('#new-tag').value.trim();
    if (t && await change('/tags', {tag: t, on: 'true'})) $('#new-tag').value = '';
  });
  $('#hide').addEventListener('click', () => change('/hidden', {hidden: String(!run.hidden)}));
  $('#save-note').addEventListener('click', async () => {
    if (await change('/note', {text: $('#note').value})) $('#note-saved').textContent = 'saved';
  });
  $('#log-scale').addEventListener('change', drawCharts);
  $('#smoothing').addEventListener('input', drawCharts);
  load(true);
})();
