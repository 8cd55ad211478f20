// The caching LLM proxy (`semble serve --llm-upstream URL`) with the official `openai` npm SDK as
// the client, against a small deterministic upstream started here that stands in for the user's
// model provider and counts its calls. Also the semantic cache's own routes over HTTP.
// Run: SEMBLE_BINARY=build/semble node --test tests/server/llm_proxy.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startServer, ACCOUNT, request, okResult, assertError } from './harness.mjs';

// --- the upstream: answers "answer to: <last user text>", one word per stream chunk ---
const upstream = { calls: 0, bodies: [], auth: [] };
let upstreamServer;
let upstreamUrl;

function answerFor(body) {
  const last = body.messages[body.messages.length - 1];
  const system = body.messages.find((m) => m.role === 'system')?.content ?? '';
  return `answer to: ${last.content}${system ? ` (as ${system})` : ''} [${body.model}]`;
}

function startUpstream() {
  upstreamServer = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', async () => {
      upstream.calls++;
      upstream.auth.push(req.headers.authorization ?? '');
      const body = JSON.parse(data);
      upstream.bodies.push(body);
      const prompt = body.messages[body.messages.length - 1].content;
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      }
      if (prompt.includes('please fail')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'upstream exploded', type: 'server_error' } }));
      }
      if (prompt.includes('please be slow')) await new Promise((r) => setTimeout(r, 3000));
      if (prompt.includes('take a moment')) await new Promise((r) => setTimeout(r, 400));
      const content = answerFor(body);
      const id = `chatcmpl-${upstream.calls}`;
      const usage = { prompt_tokens: 10, completion_tokens: content.split(' ').length, total_tokens: 20 };
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const words = content.split(' ');
        const chunk = (delta, finish) => `data: ${JSON.stringify({
          id, object: 'chat.completion.chunk', created: 1700000000, model: body.model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        })}\n\n`;
        res.write(chunk({ role: 'assistant', content: '' }, null));
        words.forEach((w, i) => res.write(chunk({ content: (i ? ' ' : '') + w }, null)));
        res.write(chunk({}, 'stop'));
        return res.end('data: [DONE]\n\n');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id, object: 'chat.completion', created: 1700000000, model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage,
      }));
    });
  });
  return new Promise((resolve) => upstreamServer.listen(0, '127.0.0.1', () => {
    upstreamUrl = `http://127.0.0.1:${upstreamServer.address().port}/v1`;
    resolve();
  }));
}

let server;
let client;

before(async () => {
  await startUpstream();
  server = await startServer({ args: ['--llm-upstream', upstreamUrl, '--llm-timeout-ms', '1500'] });
  client = new OpenAI({ apiKey: 'sk-user-key-123', baseURL: `${server.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
  upstreamServer?.close();
});

async function ask(prompt, { system, model = 'gpt-test', stream = false, headers } = {}) {
  const messages = [];
  if (system) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: prompt });
  const { data, response } = await client.chat.completions
    .create({ model, messages, stream }, headers ? { headers } : undefined).withResponse();
  const status = response.headers.get('cf-aig-cache-status');
  if (!stream) return { status, content: data.choices[0].message.content, data };
  let content = '';
  let finish = null;
  for await (const chunk of data) {
    for (const c of chunk.choices) {
      content += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { status, content, finish };
}

test('a miss goes upstream with the client key; a paraphrase is answered from the cache', async () => {
  const before = upstream.calls;
  const first = await ask('What is the capital of France?');
  assert.equal(first.status, 'MISS');
  assert.equal(first.content, 'answer to: What is the capital of France? [gpt-test]');
  assert.equal(upstream.calls, before + 1);
  assert.equal(upstream.auth.at(-1), 'Bearer sk-user-key-123');
  const second = await ask('Which city is the capital of France?');
  assert.equal(second.status, 'HIT');
  assert.equal(second.content, first.content);
  assert.equal(upstream.calls, before + 1, 'a hit must not call the upstream');
});

test('a streaming client gets a hit as chunk events, and a streamed miss is stored', async () => {
  const before = upstream.calls;
  const hit = await ask('Which city is the capital of France?', { stream: true });
  assert.equal(hit.status, 'HIT');
  assert.equal(hit.content, 'answer to: What is the capital of France? [gpt-test]');
  assert.equal(hit.finish, 'stop');
  assert.equal(upstream.calls, before);

  const miss = await ask('How tall is Mount Everest?', { stream: true });
  assert.equal(miss.status, 'MISS');
  assert.equal(miss.content, 'answer to: How tall is Mount Everest? [gpt-test]');
  assert.equal(upstream.calls, before + 1);
  assert.equal(upstream.bodies.at(-1).stream, true);
  const again = await ask('What is the height of Mount Everest?');
  assert.equal(again.status, 'HIT');
  assert.equal(again.content, miss.content);
  assert.equal(upstream.calls, before + 1);
});

test('another system prompt or model is another scope', async () => {
  const before = upstream.calls;
  const pirate = await ask('What is the capital of France?', { system: 'a pirate' });
  assert.equal(pirate.status, 'MISS');
  assert.equal(pirate.content, 'answer to: What is the capital of France? (as a pirate) [gpt-test]');
  const other = await ask('What is the capital of France?', { model: 'gpt-other' });
  assert.equal(other.status, 'MISS');
  assert.equal(other.content, 'answer to: What is the capital of France? [gpt-other]');
  assert.equal(upstream.calls, before + 2);
  assert.equal((await ask('Which city is the capital of France?', { system: 'a pirate' })).status, 'HIT');
});

test('other numbers miss even when the embedding says the prompts are alike', async () => {
  await ask('How do I convert 5 miles to kilometres?');
  const other = await ask('How do I convert 50 miles to kilometres?');
  assert.equal(other.status, 'MISS');
  assert.equal(other.content, 'answer to: How do I convert 50 miles to kilometres? [gpt-test]');
});

test('cf-aig-skip-cache bypasses the cache; x-semble-cache: refresh replaces the answer', async () => {
  const before = upstream.calls;
  const skipped = await ask('What is the capital of France?', { headers: { 'cf-aig-skip-cache': 'true' } });
  assert.equal(skipped.status, 'BYPASS');
  assert.equal(upstream.calls, before + 1);
  const refreshed = await ask('What is the capital of France?', { headers: { 'x-semble-cache': 'refresh' } });
  assert.equal(refreshed.status, 'REFRESH');
  assert.equal(upstream.calls, before + 2);
  assert.equal((await ask('What is the capital of France?')).status, 'HIT');
  assert.equal(upstream.calls, before + 2);
});

test('identical concurrent misses make one upstream call', async () => {
  const before = upstream.calls;
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => ask('Please take a moment: who wrote Pride and Prejudice?')));
  assert.equal(upstream.calls, before + 1, 'single flight');
  for (const a of answers) {
    assert.equal(a.content, 'answer to: Please take a moment: who wrote Pride and Prejudice? [gpt-test]');
    assert.equal(a.status, 'MISS');
  }
});

test('upstream errors pass through and are never stored; a slow upstream times out', async () => {
  const before = upstream.calls;
  for (let i = 0; i < 2; i++) {
    await assert.rejects(ask('please fail now'), (err) => {
      assert.equal(err.status, 500);
      assert.match(err.message, /upstream exploded/);
      return true;
    });
  }
  assert.equal(upstream.calls, before + 2, 'an error is not cached');
  await assert.rejects(ask('please be slow today'), (err) => {
    assert.equal(err.status, 504);
    return true;
  });
});

test('bad requests get OpenAI-shaped errors', async () => {
  const bad = await request(server.url, 'POST', '/v1/chat/completions', { model: 'm', messages: [] });
  assert.equal(bad.status, 400);
  assert.equal(typeof bad.json.error.message, 'string');
  const notJson = await request(server.url, 'POST', '/v1/chat/completions', '{', { contentType: 'application/json' });
  assert.equal(notJson.status, 400);
  const ttl = await request(server.url, 'POST', '/v1/chat/completions',
    { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'cf-aig-cache-ttl': '-5' } });
  assert.equal(ttl.status, 400);
  assert.match(ttl.json.error.message, /cf-aig-cache-ttl/);
});

const caches = `/client/v4/accounts/${ACCOUNT}/vectorize/v2/caches`;

test('the proxy\'s cache counts its hits, and caches have routes of their own', async () => {
  const stats = okResult(await request(server.url, 'GET', `${caches}/llm/stats`), 'stats');
  assert.ok(stats.hits >= 5, JSON.stringify(stats));
  assert.ok(stats.misses >= 5, JSON.stringify(stats));
  assert.equal(stats.lookups, stats.hits + stats.misses);

  const created = okResult(await request(server.url, 'POST', caches,
    { name: 'faq', config: { threshold: 0.8, scopeFields: ['tenant'], maxEntries: 10 } }), 'create');
  assert.equal(created.name, 'faq');
  assert.equal(created.config.threshold, 0.8);
  assert.deepEqual(created.config.scopeFields, ['tenant']);
  const list = okResult(await request(server.url, 'GET', caches), 'list');
  assert.deepEqual(list.map((c) => c.name), ['faq', 'llm']);

  const stored = okResult(await request(server.url, 'POST', `${caches}/faq/store`,
    { prompt: 'How do I reset my password?', response: 'Use the link on the login page.', scope: { tenant: 'a' } }), 'store');
  assert.match(stored.key, /^[0-9a-f]{32}$/);
  const hit = okResult(await request(server.url, 'POST', `${caches}/faq/lookup`,
    { prompt: 'How can I reset my password?', scope: { tenant: 'a' } }), 'lookup');
  assert.equal(hit.hit, true);
  assert.equal(hit.key, stored.key);
  assert.equal(hit.response, 'Use the link on the login page.');
  const otherTenant = okResult(await request(server.url, 'POST', `${caches}/faq/lookup`,
    { prompt: 'How can I reset my password?', scope: { tenant: 'b' } }), 'lookup b');
  assert.equal(otherTenant.hit, false);
  okResult(await request(server.url, 'POST', `${caches}/faq/store`,
    { prompt: 'Where is my invoice?', response: 'Under Billing.', scope: { tenant: 'b' } }), 'store b');
  const byFilter = okResult(await request(server.url, 'POST', `${caches}/faq/invalidate`,
    { filter: { 'scope.tenant': 'b' } }), 'invalidate by filter');
  assert.equal(byFilter.count, 1);
  assertError(await request(server.url, 'POST', `${caches}/faq/invalidate`, {}), 400);
  const gone = okResult(await request(server.url, 'POST', `${caches}/faq/invalidate`, { keys: [stored.key] }), 'invalidate');
  assert.equal(gone.count, 1);
  const after = okResult(await request(server.url, 'POST', `${caches}/faq/lookup`,
    { prompt: 'How can I reset my password?', scope: { tenant: 'a' } }), 'lookup after');
  assert.equal(after.hit, false);

  // The cache is an index too: its entries can be inspected with the Vectorize routes.
  const info = okResult(await request(server.url, 'GET', `/client/v4/accounts/${ACCOUNT}/vectorize/v2/indexes/llm/info`), 'info');
  assert.ok(info.vectorCount >= 5);

  assertError(await request(server.url, 'POST', caches, { name: 'bad', config: { threshold: 1.5 } }), 400);
  assertError(await request(server.url, 'POST', caches, { name: 'faq' }), 409);
  assertError(await request(server.url, 'POST', `${caches}/nothing/lookup`, { prompt: 'x' }), 404, 3000);
  assertError(await request(server.url, 'POST', `${caches}/faq/lookup`, { scope: {} }), 400);
  assertError(await request(server.url, 'POST', `${caches}/faq/store`,
    { prompt: 'p', response: 'r', scope: { nope: 'x' } }), 400);
  const oversize = assertError(await request(server.url, 'POST', `${caches}/faq/store`,
    { prompt: 'p', response: 'r'.repeat(65537) }), 400);
  assert.match(oversize.message, /65536/);
  assertError(await request(server.url, 'POST', `${caches}/faq/lookup`, { prompt: 'p', threshold: 0 }), 400);
  okResult(await request(server.url, 'POST', `/client/v4/accounts/${ACCOUNT}/vectorize/v2/indexes`,
    { name: 'plain', config: { dimensions: 4, metric: 'cosine' } }), 'plain index');
  assertError(await request(server.url, 'POST', `${caches}/plain/lookup`, { prompt: 'x' }), 400);
  assertError(await request(server.url, 'DELETE', `${caches}/plain`), 400);
  okResult(await request(server.url, 'DELETE', `${caches}/faq`), 'delete');
  assertError(await request(server.url, 'GET', `${caches}/faq`), 404);
});

test('an upstream that cannot be reached gives 502, and nothing is stored', async () => {
  // A port that was just free: nothing listens there.
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  const lonely = await startServer({ args: ['--llm-upstream', `http://127.0.0.1:${deadPort}/v1`] });
  try {
    const c = new OpenAI({ apiKey: 'k', baseURL: `${lonely.url}/v1`, maxRetries: 0 });
    await assert.rejects(c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      (err) => {
        assert.equal(err.status, 502);
        assert.match(err.message, /cannot be reached/);
        return true;
      });
    const stats = okResult(await request(lonely.url, 'GET', `${caches}/llm/stats`), 'stats');
    assert.equal(stats.stores, 0);
    assert.equal(stats.entries, 0);
  } finally {
    await lonely.stop();
  }
});
