// The runs table: filter (as flordb replay --where), sort, choose columns, select to compare, export.
'use strict';
(() => {
  const $ = s => document.querySelector(s);
  const selected = new Set();
  let data = null;
  let timer = null;

  const state = {
    where: Flor.param('where') || '',
    sort: Flor.param('sort') || 'tstamp',
    desc: Flor.param('desc') === '1',
    hidden: Flor.param('hidden') === '1',
    cols: Flor.param('cols') ? Flor.param('cols').split(',') : null,
  };

  function columnsOf(d) {
    const args = new Set();
    for (const r of d.runs) Object.keys(r.args || {}).forEach(a => args.add(a));
    const all = [];
    for (const a of [...args].sort()) all.push({key: 'args.' + a, label: a, group: 'argument'});
    for (const v of d.values) if (!args.has(v)) all.push({key: 'values.' + v, label: v, group: 'value'});
    for (const m of d.metrics) for (const f of ['last', 'min', 'max']) all.push({key: 'metrics.' + m + '.' + f, label: m + ' ' + f, group: 'metric'});
    return all;
  }

  function cell(run, key) {
    const parts = key.split('.');
    if (parts.length === 1) return run[key];
    if (parts[0] === 'metrics') {
      const f = parts.pop(); const m = (run.metrics || {})[parts.slice(1).join('.')];
      return m ? m[f] : null;
    }
    return (run[parts[0]] || {})[parts.slice(1).join('.')];
  }

  function fixed() {
    return [
      {key: 'tstamp', label: 'when'}, {key: 'filename', label: 'program'}, {key: 'code_version', label: 'version'},
      {key: 'status', label: 'status'},
    ];
  }

  function chosen(all) {
    if (state.cols) return all.filter(c => state.cols.includes(c.key));
    return all.filter(c => c.group !== 'metric' || c.key.endsWith('.last') || c.key.endsWith('.min'));
  }

  function render() {
    if (!data) return;
    const all = columnsOf(data);
    const cols = fixed().concat(chosen(all)).concat([{key: 'tags', label: 'tags'}, {key: 'note', label: 'note'}]);
    // the column chooser
    const chooser = $('#columns');
    chooser.replaceChildren(...all.map(c => Flor.el('label', {},
      Flor.el('input', {type: 'checkbox', 'data-col': c.key, checked: chosen(all).includes(c), onchange: () => {
        state.cols = [...chooser.querySelectorAll('input:checked')].map(i => i.dataset.col);
        Flor.setParams({cols: state.cols.join(',')}); render();
      }}), ' ', c.label, Flor.el('span', {class: 'muted', text: ' (' + c.group + ')'}))));
    // rows, sorted
    const rows = data.runs.slice();
    rows.sort((a, b) => {
      const x = cell(a, state.sort), y = cell(b, state.sort);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
      return state.desc ? -c : c;
    });
    const head = Flor.el('tr', {}, Flor.el('th', {}, ''), Flor.el('th', {text: 'run'}),
      cols.map(c => Flor.el('th', {class: 'sortable' + (state.sort === c.key ? (state.desc ? ' sorted-desc' : ' sorted-asc') : ''),
        'data-col': c.key, text: c.label, onclick: () => {
          if (state.sort === c.key) state.desc = !state.desc; else { state.sort = c.key; state.desc = false; }
          Flor.setParams({sort: state.sort, desc: state.desc ? '1' : null}); render();
        }})));
    $('#runs thead').replaceChildren(head);
    $('#runs tbody').replaceChildren(...rows.map(r => Flor.el('tr', {class: 'run', 'data-run': r.run_id, 'data-status': r.status},
      Flor.el('td', {}, Flor.el('input', {type: 'checkbox', class: 'select', checked: selected.has(r.run_id), onchange: e => {
        if (e.target.checked) selected.add(r.run_id); else selected.delete(r.run_id);
        $('#compare').disabled = selected.size < 2;
      }})),
      Flor.el('td', {}, Flor.el('a', {href: '/runs/' + r.run_id, text: r.run_id})),
      cols.map(c => {
        let v = cell(r, c.key);
        if (c.key === 'status') return Flor.el('td', {class: 'status-cell'}, Flor.status(v), r.hidden ? Flor.el('span', {class: 'muted', text: ' hidden'}) : null);
        if (c.key === 'code_version') return Flor.el('td', {}, Flor.short(v));
        if (c.key === 'tstamp') return Flor.el('td', {}, Flor.when(v));
        if (c.key === 'tags') return Flor.el('td', {}, (v || []).map(t => Flor.el('span', {class: 'tag', text: t})));
        return Flor.el('td', {class: typeof v === 'number' ? 'num' : '', 'data-col': c.key}, Flor.fmt(v));
      }))));
    $('#count').textContent = rows.length + (rows.length === 1 ? ' run' : ' runs');
    $('#compare').disabled = selected.size < 2;
    const exportCols = ['run_id'].concat(cols.map(c => c.key));
    $('#export').href = '/api/runs?format=csv&columns=' + encodeURIComponent(exportCols.join(','))
      + (state.where ? '&where=' + encodeURIComponent(state.where) : '') + (state.hidden ? '&hidden=1' : '');
  }

  async function load() {
    clearTimeout(timer);
    try {
      const q = new URLSearchParams();
      if (state.where) q.set('where', state.where);
      if (state.hidden) q.set('hidden', '1');
      data = await Flor.get('/api/runs?' + q);
      Flor.header(data.project);
      Flor.showError($('#error'), null);
      render();
    } catch (e) {
      Flor.showError($('#error'), e);
    }
    // running runs update live; new runs appear
    const running = data && data.runs.some(r => r.status === 'running');
    timer = setTimeout(load, running ? 1500 : 5000);
  }

  $('#where').value = state.where;
  $('#show-hidden').checked = state.hidden;
  $('#filter').addEventListener('submit', e => {
    e.preventDefault();
    state.where = $('#where').value.trim();
    Flor.setParams({where: state.where});
    load();
  });
  $('#show-hidden').addEventListener('change', e => { state.hidden = e.target.checked; Flor.setParams({hidden: state.hidden ? '1' : null}); load(); });
  $('#compare').addEventListener('click', () => { location.href = '/compare?runs=' + [...selected].join(','); });
  load();
})();
