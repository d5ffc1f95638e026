// Chitin web console. No build step, no inline script (the CSP forbids it), no eval.
// Logs in once with the token (POST /api/login sets an HttpOnly session cookie), then talks
// to the gateway over the WebSocket at /ws with {type:"req",id,method,params} frames.
'use strict';

const $ = (selector) => document.querySelector(selector);
let socket = null;
let nextId = 1;
const pending = new Map();
const runs = new Map();  // runId -> the <li> that shows the agent's answer as it streams

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;  // never innerHTML: data is untrusted
  if (className) node.className = className;
  return node;
}

function call(method, params = {}) {
  return new Promise((resolve, reject) => {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      reject(new Error('not connected'));
      return;
    }
    const id = nextId++;
    pending.set(id, { resolve, reject });
    socket.send(JSON.stringify({ type: 'req', id, method, params }));
  });
}

function connect() {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'event' && frame.event === 'agent') {
        onAgentEvent(frame.payload);
        return;
      }
      if (frame.type !== 'res' || !pending.has(frame.id)) return;
      const { resolve: ok, reject: bad } = pending.get(frame.id);
      pending.delete(frame.id);
      if (frame.ok) ok(frame.payload);
      else bad(new Error(`${frame.error.code}: ${frame.error.message}`));
    });
    socket.addEventListener('open', () => call('connect', {}).then(resolve, reject));
    socket.addEventListener('close', () => {
      for (const { reject: bad } of pending.values()) bad(new Error('connection closed'));
      pending.clear();
    });
    socket.addEventListener('error', () => reject(new Error('cannot reach the gateway')));
  });
}

async function showApp() {
  const hello = await connect();
  $('#login-view').hidden = true;
  $('#app-view').hidden = false;
  $('#logout').hidden = false;
  $('#who').textContent = `scopes: ${hello.auth.scopes.join(', ')}`;
}

async function login(event) {
  event.preventDefault();
  $('#login-error').textContent = '';
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: $('#token').value }),
    credentials: 'same-origin',
  });
  $('#token').value = '';
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    $('#login-error').textContent = body.error ? body.error.message : `login failed (${response.status})`;
    return;
  }
  try {
    await showApp();
  } catch (error) {
    $('#login-error').textContent = error.message;
  }
}

async function logout() {
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' });
  if (socket) socket.close();
  location.reload();
}

function selectTab(name) {
  for (const button of document.querySelectorAll('nav button')) {
    button.setAttribute('aria-selected', String(button.dataset.tab === name));
  }
  for (const tab of document.querySelectorAll('.tab')) tab.hidden = tab.id !== `tab-${name}`;
  const loaders = { approvals: loadApprovals, audit: loadAudit, skills: loadSkills };
  if (loaders[name]) loaders[name]();
}

// Events of a turn started here: text streams into one line; tool calls, approvals and the
// end of the turn get lines of their own.
function onAgentEvent(payload) {
  let answer = runs.get(payload.runId);
  if (!answer) {
    answer = el('li', '', 'agent');
    runs.set(payload.runId, answer);
    $('#messages').append(answer);
  }
  switch (payload.kind) {
    case 'text':
      answer.textContent += payload.delta;
      break;
    case 'tool_call':
      answer.before(el('li', `tool ${payload.tool} ${payload.arguments}`, 'tool'));
      break;
    case 'approval_pending':
      answer.before(el('li', `approval ${payload.id} needed: ${payload.reason} (see Approvals)`,
        'approval'));
      break;
    case 'final':
      if (!answer.textContent) answer.textContent = payload.answer;
      if (payload.stop !== 'done') answer.after(el('li', `stopped: ${payload.reason}`, 'error'));
      runs.delete(payload.runId);
      break;
    case 'error':
      answer.replaceWith(el('li', payload.message, 'error'));
      runs.delete(payload.runId);
      break;
    default:
      break;
  }
}

async function sendChat(event) {
  event.preventDefault();
  const text = $('#chat-input').value;
  $('#chat-input').value = '';
  $('#messages').append(el('li', text, 'user'));
  try {
    await call('chat.send', { message: text, sessionKey: 'console' });
  } catch (error) {
    $('#messages').append(el('li', error.message, 'error'));
  }
}

async function loadApprovals() {
  const list = $('#approvals');
  list.replaceChildren();
  try {
    const { approvals } = await call('approvals.list');
    if (approvals.length === 0) list.append(el('li', 'No pending approvals.'));
    for (const approval of approvals) {
      const item = el('li', `${approval.id}: ${JSON.stringify(approval.action)} `);
      for (const decision of ['approve', 'deny']) {
        const button = el('button', decision);
        button.type = 'button';
        button.addEventListener('click', async () => {
          try {
            await call('approvals.resolve', { id: approval.id, decision });
          } catch (error) {
            item.append(el('span', ` ${error.message}`, 'error'));
          }
          loadApprovals();
        });
        item.append(button);
      }
      list.append(item);
    }
  } catch (error) {
    list.append(el('li', error.message, 'error'));
  }
}

async function loadAudit(event) {
  if (event) event.preventDefault();
  const body = $('#audit-table tbody');
  body.replaceChildren();
  try {
    const params = { limit: 200 };
    const type = $('#audit-type').value.trim();
    if (type) params.type = type;
    const { records } = await call('audit.tail', params);
    for (const record of records.reverse()) {
      const row = el('tr');
      for (const value of [record.seq, record.ts, record.type, record.actor, JSON.stringify(record.details)]) {
        row.append(el('td', String(value)));
      }
      body.append(row);
    }
  } catch (error) {
    const row = el('tr');
    row.append(el('td', error.message, 'error'));
    body.append(row);
  }
}

async function loadSkills() {
  const list = $('#skills');
  list.replaceChildren();
  try {
    const { skills } = await call('skills.list');
    if (skills.length === 0) list.append(el('li', 'No skills installed.'));
    for (const skill of skills) {
      const p = skill.permissions;
      const item = el('li', `${skill.name} ${skill.version} — ${skill.status}${skill.problem ? ` (${skill.problem})` : ''}`);
      item.append(el('div', `hosts: ${p.network.hosts.join(', ') || 'none'}; exec: ${p.exec.join(', ') || 'none'}; secrets: ${p.secrets.join(', ') || 'none'}`, 'hint'));
      list.append(item);
    }
  } catch (error) {
    list.append(el('li', error.message, 'error'));
  }
}

async function runDoctor() {
  const list = $('#doctor');
  list.replaceChildren(el('li', 'running…'));
  try {
    const report = await call('doctor.run');
    list.replaceChildren();
    for (const finding of report.findings) {
      const item = el('li', `[${finding.severity}] ${finding.checkId}: ${finding.title}`, finding.severity === 'critical' ? 'critical' : '');
      if (finding.remediation) item.append(el('div', finding.remediation, 'hint'));
      list.append(item);
    }
  } catch (error) {
    list.replaceChildren(el('li', error.message, 'error'));
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  $('#chat-form').addEventListener('submit', sendChat);
  $('#audit-form').addEventListener('submit', loadAudit);
  $('#approvals-refresh').addEventListener('click', loadApprovals);
  $('#doctor-run').addEventListener('click', runDoctor);
  for (const button of document.querySelectorAll('nav button')) {
    button.addEventListener('click', () => selectTab(button.dataset.tab));
  }
  // Already logged in (session cookie)? Then go straight to the app.
  fetch('/api/session', { credentials: 'same-origin' }).then((response) => {
    if (response.ok) showApp().catch(() => {});
  });
});
