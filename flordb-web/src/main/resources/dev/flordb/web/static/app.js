// FlorDB's page: what every page shares. Plain JavaScript, served from the jar.
'use strict';
const Flor = {
  async get(path) {
    const r = await fetch(path, {headers: {'Accept': 'application/json'}});
    const body = await r.json().catch(() => ({error: 'the server sent no JSON (' + r.status + ')'}));
    if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
    return body;
  },
  async post(path, fields) {
    const r = await fetch(path, {method: 'POST', headers: {'X-FlorDB': '1'}, body: new URLSearchParams(fields)});
    const body = await r.json().catch(() => ({error: 'the server sent no JSON (' + r.status + ')'}));
    if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
    return body;
  },
  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  },
  fmt(v) {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return String(v);
      const a = Math.abs(v);
      return (a !== 0 && (a < 1e-3 || a >= 1e6)) ? v.toExponential(4) : String(+v.toPrecision(6));
    }
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  },
  short(id) { return id ? String(id).substring(0, 10) : ''; },
  when(tstamp) { return tstamp ? String(tstamp).replace('T', ' ').replace(/\.\d+Z?$/, '') : ''; },
  status(s) { return Flor.el('span', {class: 'status status-' + s, text: s}); },
  param(name) { return new URLSearchParams(location.search).get(name); },
  setParams(values) {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(values)) { if (v === null || v === '' || v === undefined) p.delete(k); else p.set(k, v); }
    const q = p.toString();
    history.replaceState(null, '', location.pathname + (q ? '?' + q : ''));
  },
  showError(where, e) { where.textContent = e ? (e.message || String(e)) : ''; },
  async header(project) {
    document.querySelector('header .project').textContent = project || '';
  },
  // Exponential moving average, as trackers smooth a noisy loss: weight in [0, 1).
  smooth(ys, weight) {
    if (!weight) return ys;
    let last = null;
    return ys.map(y => (last = last === null ? y : last * weight + (1 - weight) * y));
  },
  // One line chart: series [{name, x, y, replay}], with log scale and smoothing.
  chart(div, seriesList, opts) {
    const chart = echarts.getInstanceByDom(div) || echarts.init(div, null, {renderer: 'canvas'});
    // a log scale cannot show zero or less: such a chart stays linear, and says why
    const logOk = !opts.log || seriesList.every(s => s.y.every(y => y > 0));
    div.title = logOk ? '' : 'values of zero or less: shown on a linear scale';
    const series = [];
    for (const s of seriesList) {
      const ys = Flor.smooth(s.y, opts.smoothing);
      series.push({
        name: s.name, type: 'line', showSymbol: s.x.length < 60, symbol: s.replay ? 'diamond' : 'circle',
        symbolSize: s.replay ? 8 : 4, lineStyle: {type: s.replay ? 'dashed' : 'solid', width: s.replay ? 2 : 1.5},
        itemStyle: s.replay ? {color: '#c026d3'} : undefined,
        data: s.x.map((x, i) => [x, ys[i]]), animation: false,
      });
    }
    chart.setOption({
      grid: {left: 56, right: 16, top: 28, bottom: 36},
      tooltip: {trigger: 'axis'},
      legend: {type: 'scroll', top: 0},
      xAxis: {type: 'value', name: opts.xName || '', nameLocation: 'middle', nameGap: 24, scale: true, minInterval: 1},
      yAxis: {type: opts.log && logOk ? 'log' : 'value', scale: true},
      series,
    }, true);
    div.dataset.drawn = String(series.reduce((n, s) => n + s.data.length, 0));
    return chart;
  },
};
window.addEventListener('resize', () => document.querySelectorAll('.chart').forEach(d => {
  const c = echarts.getInstanceByDom(d); if (c) c.resize();
}));
