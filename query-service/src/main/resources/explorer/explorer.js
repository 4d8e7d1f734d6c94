// The memory explorer: what an owner knew at a moment, by tier; a memory's versions, lineage and strength; and why
// memories ranked for a question then. Every request carries the key or token the analyst typed; all text is shown as text.
'use strict';
const $ = (selector) => document.querySelector(selector);
const TIERS = ['WORKING', 'EPISODIC', 'SEMANTIC', 'PROCEDURAL'];
const PARTS = ['bm25', 'vector', 'neighbour', 'question', 'speaker', 'recency', 'importance', 'strength', 'rerank'];
const view = { key: '', kind: 'user_id', owner: '', from: 0, now: 0, at: null, selected: null };

async function api(path, options = {}) {
  // the service takes an API key and an OpenID Connect token alike as a bearer credential
  const headers = { Authorization: `Bearer ${view.key}`, 'Content-Type': 'application/json' };
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || `${response.status} from ${path}`);
  }
  return body;
}

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function status(message) {
  $('#status').textContent = message || '';
}

function owner() {
  return `${view.kind}=${encodeURIComponent(view.owner)}`;
}

function momentOf(value) {
  return new Date(view.from + (view.now - view.from) * value / 1000);
}

async function connect(event) {
  event.preventDefault();
  view.key = $('#key').value.trim();
  view.kind = $('#kind').value === 'agent_id' ? 'agent_id' : 'user_id';
  view.owner = $('#owner').value.trim();
  try {
    const now = await api(`/v1/memories?${owner()}&limit=200`);
    view.now = Date.now();
    const observed = now.memories.map((m) => Date.parse(m.observed_at)).filter((t) => !Number.isNaN(t));
    const earliest = observed.length ? Math.min(...observed) : view.now;
    view.from = earliest - 365 * 24 * 3600 * 1000;
    $('#from').value = new Date(view.from).toISOString().slice(0, 10);
    $('#workspace').hidden = false;
    status('');
    render(now, null);
  } catch (e) {
    status(e.message);
  }
}

let pending;
function scrub() {
  clearTimeout(pending);
  pending = setTimeout(async () => {
    const value = Number($('#slider').value);
    view.at = value >= 1000 ? null : momentOf(value);
    try {
      const page = await api(`/v1/memories?${owner()}&limit=200` + (view.at ? '&as_of=' + view.at.toISOString() : ''));
      render(page, view.at);
    } catch (e) {
      status(e.message);
    }
  }, 120);
}

function render(page, at) {
  $('#moment').textContent = at ? 'known at ' + at.toISOString() : 'known now';
  const tiers = $('#tiers');
  tiers.replaceChildren();
  for (const tier of TIERS) {
    const column = element('div', { class: 'tier', 'data-tier': tier });
    const memories = page.memories.filter((m) => m.tier === tier);
    column.append(element('h3', {}, `${tier.toLowerCase()} (${memories.length})`));
    for (const m of memories) {
      const button = element('button', { class: 'memory', type: 'button', 'data-id': m.record_id }, m.text);
      button.title = `${m.observed_at} · importance ${m.importance}`;
      button.addEventListener('click', () => open(m, button));
      column.append(button);
    }
    tiers.append(column);
  }
}

async function open(memory, button) {
  document.querySelectorAll('.memory.selected').forEach((b) => b.classList.remove('selected'));
  button.classList.add('selected');
  view.selected = memory.record_id;
  const id = encodeURIComponent(memory.record_id);
  try {
    const [history, lineage] = await Promise.all([api(`/v1/memories/${id}/history?${owner()}`),
      api(`/v1/memories/${id}/lineage?${owner()}`)]);
    $('#detail').hidden = false;
    $('#detail-title').textContent = memory.text;
    const versions = $('#versions');
    versions.replaceChildren(...history.versions.map((v) => element('li', {},
      `v${v.version} ${v.change || ''} ${v.change_reason || ''}`.trim())));
    showLineage(lineage);
    plot(history.strength_over_time || []);
  } catch (e) {
    status(e.message);
  }
}

function showLineage(lineage) {
  const list = $('#lineage');
  list.replaceChildren();
  list.append(element('li', { class: 'state' }, `state: ${lineage.state}`));
  if (lineage.derived_by) {
    list.append(element('li', {}, `derived by ${lineage.derived_by.rule || ''} ${lineage.derived_by.embedding_model || ''}`.trim()));
  }
  for (const source of lineage.sources || []) {
    const log = source.log ? ` at ${source.log.topic}-${source.log.partition}@${source.log.offset}` : '';
    list.append(element('li', { class: 'source' }, `from event ${source.event_id}${log}`));
  }
  if (lineage.superseded_by) {
    list.append(element('li', {}, `superseded by "${lineage.superseded_by.text}"`));
  }
}

function plot(points) {
  const svg = $('#strength');
  svg.replaceChildren();
  $('#strength-range').textContent = '';
  if (!points.length) {
    return;
  }
  const first = points[0];
  const last = points[points.length - 1];
  $('#strength-range').textContent = `${first.at.slice(0, 10)}: ${first.strength.toFixed(2)} → ${last.at.slice(0, 10)}: `
    + `${last.strength.toFixed(2)} (peak ${Math.max(...points.map((p) => p.strength)).toFixed(2)})`;
  const top = Math.max(...points.map((p) => p.strength), 1e-9);
  const bottom = Math.min(...points.map((p) => p.strength), 0);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points.map((p, i) => `${(i / (points.length - 1)) * 400},${
    110 - ((p.strength - bottom) / (top - bottom || 1)) * 100}`).join(' '));
  svg.append(line);
}

async function ask(event) {
  event.preventDefault();
  const request = { query: $('#query').value, [view.kind]: view.owner, k: 5, reinforce: false };
  if (view.at) {
    request.as_of = view.at.toISOString();
  }
  try {
    const result = await api('/v1/search', { method: 'POST', body: JSON.stringify(request) });
    const bars = $('#bars');
    bars.replaceChildren();
    for (const hit of result.hits) {
      const row = element('div', { class: 'hit', 'data-id': hit.record_id });
      row.append(element('div', {}, `${hit.score.toFixed(3)} ${hit.text}`));
      const bar = element('div', { class: 'bar' });
      const explanation = hit.explanation || {};
      const total = PARTS.reduce((sum, part) => sum + Math.abs(explanation[part] || 0), 0) || 1;
      for (const part of PARTS) {
        const value = explanation[part] || 0;
        if (value !== 0) {
          const piece = element('span', { class: `part ${part}`, title: `${part} ${value.toFixed(3)}` });
          piece.style.width = `${(100 * Math.abs(value)) / total}%`;
          bar.append(piece);
        }
      }
      row.append(bar);
      row.append(element('div', { class: 'legend' }, PARTS.filter((p) => explanation[p]).map((p) =>
        `${p} ${explanation[p].toFixed(3)}`).join(' · ')));
      bars.append(row);
    }
  } catch (e) {
    status(e.message);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#connect').addEventListener('submit', connect);
  $('#slider').addEventListener('input', scrub);
  $('#from').addEventListener('change', () => {
    view.from = Date.parse($('#from').value) || view.from;
    scrub();
  });
  $('#ask').addEventListener('submit', ask);
});
