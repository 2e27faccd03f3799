// Runs side by side: args and values (differences only), overlaid charts, parallel coordinates, code diff.
'use strict';
(() => {
  const $ = s => document.querySelector(s);
  const ids = (Flor.param('runs') || '').split(',').filter(Boolean);
  let data = null;
  const series = {};

  function sideTable() {
    const runs = data.runs;
    const rows = [];
    const keys = (group) => [...new Set(runs.flatMap(r => Object.keys(r[group] || {})))].sort();
    for (const k of keys('args')) rows.push({label: k, group: 'argument', values: runs.map(r => (r.args || {})[k])});
    for (const k of keys('values')) rows.push({label: k, group: 'value', values: runs.map(r => (r.values || {})[k])});
    for (const k of keys('metrics')) rows.push({label: k + ' last', group: 'metric', values: runs.map(r => ((r.metrics || {})[k] || {}).last)});
    rows.push({label: 'status', group: '', values: runs.map(r => r.status)});
    rows.push({label: 'code version', group: '', values: runs.map(r => Flor.short(r.code_version))});
    const only = $('#diff-only').checked;
    const head = Flor.el('tr', {}, Flor.el('th', {text: ''}), runs.map(r => Flor.el('th', {}, Flor.el('a', {href: '/runs/' + r.run_id, text: r.run_id}))));
    const body = rows.map(row => {
      const differs = new Set(row.values.map(v => JSON.stringify(v === undefined ? null : v))).size > 1;
      if (only && !differs) return null;
      return Flor.el('tr', {class: differs ? 'diff-row' : 'same-row', 'data-key': row.label},
        Flor.el('th', {}, row.label, Flor.el('span', {class: 'muted', text: row.group ? ' (' + row.group + ')' : ''})),
        row.values.map(v => Flor.el('td', {class: typeof v === 'number' ? 'num' : '', text: Flor.fmt(v)})));
    }).filter(Boolean);
    $('#side').replaceChildren(head, ...body);
  }

  function charts() {
    const names = [...new Set(Object.values(series).flatMap(s => Object.keys(s)))].sort();
    const box = $('#charts');
    const opts = {log: $('#log-scale').checked, smoothing: +$('#smoothing').value};
    if (!names.length) { box.replaceChildren(Flor.el('p', {class: 'muted', text: 'These runs logged no values inside loops.'})); return; }
    for (const name of names) {
      let div = box.querySelector('.chart[data-metric="' + CSS.escape(name) + '"]');
      if (!div) {
        div = Flor.el('div', {class: 'chart', 'data-metric': name});
        box.append(Flor.el('div', {class: 'chart-box'}, Flor.el('h3', {text: name}), div));
      }
      const list = [];
      let loops = '';
      for (const id of ids) {
        const s = (series[id] || {})[name];
        if (!s) continue;
        loops = s.loops;
        list.push({name: Flor.short(id) + '…' + id.slice(-6), x: s.x, y: s.y, replay: s.source.every(x => x === 'replay')});
      }
      Flor.chart(div, list, Object.assign({xName: loops}, opts));
      div.dataset.runs = String(list.length);
    }
  }

  function parallel() {
    const runs = data.runs;
    const args = [...new Set(runs.flatMap(r => Object.keys(r.args || {})))].sort();
    const metric = $('#pc-metric').value;
    const dims = args.map((a, i) => {
      const vals = runs.map(r => (r.args || {})[a]);
      const numeric = vals.every(v => typeof v === 'number');
      return numeric ? {dim: i, name: a} : {dim: i, name: a, type: 'category', data: [...new Set(vals.map(String))]};
    });
    if (metric) dims.push({dim: args.length, name: metric});
    const rows = runs.map(r => args.map(a => { const v = (r.args || {})[a]; return typeof v === 'number' ? v : String(v); })
      .concat(metric ? [((r.metrics || {})[metric] || {}).last ?? (r.values || {})[metric] ?? null] : []));
    const div = $('#parallel');
    const chart = echarts.getInstanceByDom(div) || echarts.init(div);
    chart.setOption({parallelAxis: dims, parallel: {left: 40, right: 80, top: 40, bottom: 30},
      series: [{type: 'parallel', lineStyle: {width: 2, opacity: 0.7}, data: rows}], animation: false}, true);
    div.dataset.drawn = String(rows.length);
  }

  function diffs() {
    $('#diffs').replaceChildren(...data.diffs.map(d => {
      const title = Flor.el('p', {}, 'From ', Flor.el('a', {href: '/runs/' + d.from, text: d.from}), ' to ', Flor.el('a', {href: '/runs/' + d.to, text: d.to}));
      if (d.same_code) return Flor.el('div', {class: 'diff-box'}, title, Flor.el('p', {class: 'muted same-code', text: 'The same code.'}));
      if (d.diff === null) return Flor.el('div', {class: 'diff-box'}, title, Flor.el('p', {class: 'muted no-snapshot', text: d.why || 'A run has no snapshot.'}));
      const pre = Flor.el('pre', {class: 'diff'});
      for (const line of d.diff.split('\n')) {
        const cls = line.startsWith('diff --git') ? 'file' : line.startsWith('@@') ? 'hunk'
          : line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '';
        pre.append(Flor.el('span', {class: cls, text: line + '\n'}));
      }
      return Flor.el('div', {class: 'diff-box'}, title, pre);
    }));
  }

  async function load() {
    try {
      data = await Flor.get('/api/compare?runs=' + encodeURIComponent(ids.join(',')));
      Flor.header(data.runs[0].projid);
      await Promise.all(ids.map(async id => { series[id] = await Flor.get('/api/runs/' + id + '/series'); }));
    } catch (e) { Flor.showError($('#error'), e); return; }
    const metrics = [...new Set(data.runs.flatMap(r => Object.keys(r.metrics || {}).concat(Object.keys(r.values || {}))))].sort();
    $('#pc-metric').replaceChildren(...metrics.map(m => Flor.el('option', {value: m, text: m})));
    sideTable(); charts(); parallel(); diffs();
  }

  $('#diff-only').checked = Flor.param('diff') === '1';
  $('#diff-only').addEventListener('change', e => { Flor.setParams({diff: e.target.checked ? '1' : null}); sideTable(); });
  $('#log-scale').addEventListener('change', charts);
  $('#smoothing').addEventListener('input', charts);
  $('#pc-metric').addEventListener('change', parallel);
  load();
})();
