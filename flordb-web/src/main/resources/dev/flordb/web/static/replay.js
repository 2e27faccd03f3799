// Hindsight logging from the browser: the statements runs lack, the schedule, a start button, progress and values.
'use strict';
(() => {
  const $ = s => document.querySelector(s);
  let planned = null;
  let timer = null;

  function names() { return $('#names').value.split(',').map(s => s.trim()).filter(Boolean); }

  async function candidates() {
    try {
      const c = (await Flor.get('/api/replay/candidates')).candidates;
      const lacking = c.filter(x => x.lacking > 0);
      if (!lacking.length) { $('#candidates').textContent = 'Every run has a value of every statement in today\'s code.'; return; }
      $('#candidates').className = '';
      $('#candidates').replaceChildren(Flor.el('ul', {}, lacking.map(x => Flor.el('li', {},
        Flor.el('label', {}, Flor.el('input', {type: 'checkbox', class: 'candidate', 'data-name': x.name, onchange: e => {
          const set = new Set(names());
          if (e.target.checked) set.add(x.name); else set.delete(x.name);
          $('#names').value = [...set].join(', ');
        }}), ' ', Flor.el('code', {text: x.name}), Flor.el('span', {class: 'muted',
          text: ' ' + x.file + ':' + x.line + ', ' + x.lacking + ' of ' + x.runs + ' runs lack it'}))))));
    } catch (e) { Flor.showError($('#error'), e); }
  }

  function scheduleTable(rows) {
    return Flor.el('table', {id: 'schedule-rows'}, Flor.el('tr', {}, ['run', 'started', 'version', 'fill in', 'strategy', 'estimate'].map(h => Flor.el('th', {text: h}))),
      rows.map(r => Flor.el('tr', {'data-run': r.run}, Flor.el('td', {}, Flor.el('a', {href: '/runs/' + r.run, text: r.run})),
        Flor.el('td', {text: Flor.when(r.tstamp)}), Flor.el('td', {text: r.version}), Flor.el('td', {text: r.fill_in.join(', ')}),
        Flor.el('td', {text: r.strategy}), Flor.el('td', {class: 'num', text: isFinite(r.estimate_s) ? r.estimate_s.toFixed(1) + ' s' : '?'}))));
  }

  async function plan() {
    Flor.showError($('#error'), null);
    $('#start').disabled = true;
    try {
      planned = await Flor.get('/api/replay/plan?names=' + encodeURIComponent(names().join(',')) + '&where=' + encodeURIComponent($('#where').value));
      $('#schedule').replaceChildren(scheduleTable(planned.rows), Flor.el('pre', {id: 'schedule-text', text: planned.text}));
      $('#start').disabled = planned.rows.length === 0;
    } catch (e) { Flor.showError($('#error'), e); }
  }

  async function values(job) {
    const done = job.outcomes.filter(o => o.status === 'verified').map(o => o.run);
    if (!done.length) return;
    try {
      const t = await Flor.get('/api/dataframe?names=' + encodeURIComponent(job.names.filter(n => !n.startsWith('@')).join(',')) + '&limit=5000');
      const runCol = t.columns.indexOf('run_id');
      const rows = t.rows.filter(r => runCol < 0 || done.includes(r[runCol]));
      $('#values').replaceChildren(Flor.el('tr', {}, t.columns.map(c => Flor.el('th', {text: c}))),
        ...rows.slice(0, 500).map(r => Flor.el('tr', {class: 'value-row'}, r.map((v, i) => Flor.el('td', {
          class: (typeof v === 'number' ? 'num' : '') + (t.columns[i] === 'source' && v === 'replay' ? ' replayed' : ''), text: Flor.fmt(v)})))));
    } catch (e) { Flor.showError($('#error'), e); }
  }

  async function poll() {
    clearTimeout(timer);
    let job;
    try { job = await Flor.get('/api/replay'); } catch (e) { Flor.showError($('#error'), e); return; }
    if (job.state === 'none') return;
    $('#state').textContent = job.state + ': ' + job.done + ' of ' + job.total + ' runs' + (job.message ? ' · ' + job.message : '');
    $('#state').dataset.state = job.state;
    $('#bar').style.width = (job.total ? 100 * job.done / job.total : 0) + '%';
    $('#outcomes').replaceChildren(Flor.el('tr', {}, ['run', 'version', 'outcome', 'seconds', 'message'].map(h => Flor.el('th', {text: h}))),
      ...job.outcomes.map(o => Flor.el('tr', {class: 'outcome', 'data-run': o.run, 'data-status': o.status},
        Flor.el('td', {}, Flor.el('a', {href: '/runs/' + o.run, text: o.run})), Flor.el('td', {text: o.version}),
        Flor.el('td', {text: o.status}), Flor.el('td', {class: 'num', text: o.seconds.toFixed(1)}), Flor.el('td', {text: o.message || ''}))));
    $('#log').textContent = job.log || '';
    await values(job);
    if (job.state === 'planning' || job.state === 'running') timer = setTimeout(poll, 1000);
    else { $('#start').disabled = true; candidates(); }
  }

  $('#plan').addEventListener('click', plan);
  $('#start').addEventListener('click', async () => {
    $('#start').disabled = true;
    try {
      await Flor.post('/api/replay', {names: names().join(','), where: $('#where').value});
      poll();
    } catch (e) { Flor.showError($('#error'), e); }
  });
  $('#where').value = Flor.param('where') || '';
  $('#names').value = Flor.param('names') || '';
  Flor.get('/api/runs').then(d => Flor.header(d.project)).catch(() => {});
  candidates();
  poll();
})();
