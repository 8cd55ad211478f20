// The official `openai` npm SDK (pinned in package.json) against `semble serve`'s OpenAI-shaped
// embeddings routes: /v1/embeddings and Workers AI's /client/v4/accounts/{acct}/ai/v1/embeddings.
// Vectors must equal `semble embed --json` within 1e-6.
// Run: SEMBLE_BINARY=build/semble node --test tests/server/openai_sdk.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, ACCOUNT, ALIAS_MODEL, DEFAULT_MODEL, cliEmbed, cosine, request } from './harness.mjs';

const TEXTS = [
  'A man is playing a guitar.',
  'Someone strums an acoustic guitar.',
  'The stock market fell sharply today.',
  'héllo wörld — ünïcode ✓ 日本語',
];

let server;
let expected;     // semble embed's vectors for TEXTS
const wire = [];  // {url, requestBody, responseBody} of every SDK call

function recordingFetch(url, init) {
  return fetch(url, init).then(async (res) => {
    const text = await res.clone().text();
    wire.push({ url: String(url), requestBody: init?.body ? JSON.parse(init.body) : undefined, responseBody: text });
    return res;
  });
}

function clientFor(baseURL) {
  return new OpenAI({ apiKey: 'sk-semble-test-0123456789', baseURL, fetch: recordingFetch, maxRetries: 0 });
}

function assertVectorEquals(got, want, what) {
  assert.equal(got.length, want.length, `${what}: ${got.length} dims, want ${want.length}`);
  for (let j = 0; j < want.length; j++) {
    assert.ok(Math.abs(got[j] - want[j]) <= 1e-6, `${what} dim ${j}: ${got[j]} vs semble embed ${want[j]}`);
  }
}

function decodeBase64(s) {
  const buf = Buffer.from(s, 'base64');
  assert.equal(buf.length % 4, 0);
  const out = [];
  for (let i = 0; i < buf.length; i += 4) out.push(buf.readFloatLE(i));
  return out;
}

function assertListShape(resp, n, what) {
  assert.equal(resp.object, 'list', what);
  assert.equal(resp.data.length, n, what);
  resp.data.forEach((d, i) => {
    assert.equal(d.object, 'embedding', what);
    assert.equal(d.index, i, `${what}: data[${i}].index`);
  });
  assert.equal(typeof resp.model, 'string');
  assert.ok(resp.model.length > 0);
  assert.ok(Number.isInteger(resp.usage.prompt_tokens) && resp.usage.prompt_tokens > 0, JSON.stringify(resp.usage));
  assert.equal(resp.usage.total_tokens, resp.usage.prompt_tokens, JSON.stringify(resp.usage));
}

before(async () => {
  server = await startServer();
  expected = cliEmbed(TEXTS);
  assert.equal(expected[0].length, 384);
});

after(async () => {
  if (server) await server.stop();
});

const BASES = [
  ['/v1', () => `${server.url}/v1`],
  ['Workers AI /ai/v1', () => `${server.url}/client/v4/accounts/${ACCOUNT}/ai/v1`],
];

for (const [label, base] of BASES) {
  test(`${label}: string input, SDK default encoding (base64 on the wire)`, async () => {
    const client = clientFor(base());
    wire.length = 0;
    const resp = await client.embeddings.create({ model: DEFAULT_MODEL, input: TEXTS[0] });
    assertListShape(resp, 1, label);
    assertVectorEquals(resp.data[0].embedding, expected[0], `${label} text 0`);
    // The SDK asked for base64 and the server answered base64 (the SDK decoded it).
    assert.equal(wire.length, 1);
    assert.equal(wire[0].requestBody.encoding_format, 'base64');
    const raw = JSON.parse(wire[0].responseBody);
    assert.equal(typeof raw.data[0].embedding, 'string', 'server ignored encoding_format base64');
    assert.equal(Buffer.from(raw.data[0].embedding, 'base64').length, 384 * 4);
    assert.ok(resp.model === DEFAULT_MODEL, `model ${resp.model}`);
  });

  test(`${label}: array input keeps order; usage counts tokens`, async () => {
    const client = clientFor(base());
    const resp = await client.embeddings.create({ model: DEFAULT_MODEL, input: TEXTS });
    assertListShape(resp, TEXTS.length, label);
    TEXTS.forEach((_, i) => assertVectorEquals(resp.data[i].embedding, expected[i], `${label} text ${i}`));
    const one = await client.embeddings.create({ model: DEFAULT_MODEL, input: [TEXTS[0]] });
    assert.ok(resp.usage.prompt_tokens > one.usage.prompt_tokens,
      `${TEXTS.length} texts counted ${resp.usage.prompt_tokens} tokens, one text ${one.usage.prompt_tokens}`);
    // a man is playing a guitar . = 7 word pieces, 9 with [CLS] and [SEP].
    assert.ok([7, 9].includes(one.usage.prompt_tokens), JSON.stringify(one.usage));
    // Semantics.
    assert.ok(cosine(resp.data[0].embedding, resp.data[1].embedding) > cosine(resp.data[0].embedding, resp.data[2].embedding) + 0.2);
  });

  test(`${label}: encoding_format float and base64 explicitly`, async () => {
    const client = clientFor(base());
    const f = await client.embeddings.create({ model: DEFAULT_MODEL, input: TEXTS.slice(0, 2), encoding_format: 'float' });
    assertListShape(f, 2, label);
    for (let i = 0; i < 2; i++) {
      assert.ok(Array.isArray(f.data[i].embedding), 'float format must return arrays');
      assertVectorEquals(f.data[i].embedding, expected[i], `${label} float ${i}`);
    }
    const b = await client.embeddings.create({ model: DEFAULT_MODEL, input: TEXTS.slice(0, 2), encoding_format: 'base64' });
    assertListShape(b, 2, label);
    for (let i = 0; i < 2; i++) {
      assert.equal(typeof b.data[i].embedding, 'string', 'base64 format must return strings');
      assertVectorEquals(decodeBase64(b.data[i].embedding), expected[i], `${label} base64 ${i}`);
      // base64 is the exact float32 bits of the float answer.
      assert.deepEqual(decodeBase64(b.data[i].embedding), Array.from(Float32Array.from(f.data[i].embedding)));
    }
  });

  test(`${label}: the Workers AI alias resolves to the installed model`, async () => {
    const client = clientFor(base());
    const resp = await client.embeddings.create({ model: ALIAS_MODEL, input: TEXTS.slice(2) });
    assertListShape(resp, 2, label);
    assertVectorEquals(resp.data[0].embedding, expected[2], `${label} alias`);
    assertVectorEquals(resp.data[1].embedding, expected[3], `${label} alias unicode`);
  });

  test(`${label}: the names users type for the model resolve to it`, async () => {
    const client = clientFor(base());
    for (const model of ['all-MiniLM-L6-v2', 'sentence-transformers/all-MiniLM-L6-v2', 'Xenova/all-MiniLM-L6-v2']) {
      const resp = await client.embeddings.create({ model, input: TEXTS[0] });
      assertVectorEquals(resp.data[0].embedding, expected[0], `${label} ${model}`);
    }
  });

  test(`${label}: a batch of 600 inputs (more than Workers AI's 100; LangChain sends 512) is embedded in order`, async () => {
    const client = clientFor(base());
    const inputs = Array.from({ length: 600 }, (_, i) => TEXTS[i % TEXTS.length]);
    const resp = await client.embeddings.create({ model: DEFAULT_MODEL, input: inputs });
    assertListShape(resp, inputs.length, label);
    for (const i of [0, 1, 2, 3, 597, 598, 599]) {
      assertVectorEquals(resp.data[i].embedding, expected[i % TEXTS.length], `${label} input ${i}`);
    }
  });

  test(`${label}: unknown model is a 404 whose message lists the installed models`, async () => {
    const client = clientFor(base());
    await assert.rejects(client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }), (err) => {
      assert.ok(err instanceof OpenAI.APIError, `not an APIError: ${err}`);
      assert.equal(err.status, 404, String(err));
      assert.match(err.message, new RegExp(DEFAULT_MODEL), err.message);
      assert.match(err.message, /text-embedding-3-small/, err.message);
      return true;
    });
  });

  test(`${label}: invalid inputs are 400`, async () => {
    const client = clientFor(base());
    for (const body of [
      { model: DEFAULT_MODEL, input: [] },
      { model: DEFAULT_MODEL, input: 42 },
      { model: DEFAULT_MODEL },
      { model: DEFAULT_MODEL, input: 'x', encoding_format: 'int4' },
      { model: DEFAULT_MODEL, input: ['a', ''] },  // an empty text, refused by every front end
      { model: DEFAULT_MODEL, input: Array.from({ length: 2049 }, () => 'x') },  // over OpenAI's 2048
    ]) {
      await assert.rejects(client.embeddings.create(body), (err) => {
        assert.equal(err.status, 400, `${JSON.stringify(body)}: ${err}`);
        return true;
      });
    }
  });
}

test('/v1 errors use the OpenAI error shape {error:{message,type,code}}', async () => {
  // OpenAI clients (and the openai SDK's err.message) read body.error.message.
  const r = await request(server.url, 'POST', '/v1/embeddings', { model: 'nope', input: 'x' });
  assert.equal(r.status, 404);
  assert.ok(r.json && r.json.error && typeof r.json.error.message === 'string', `body: ${r.text}`);
  assert.match(r.json.error.message, new RegExp(DEFAULT_MODEL));
});

test('/v1/models lists the installed model and its aliases (OpenAI clients probe it)', async () => {
  const client = clientFor(`${server.url}/v1`);
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes(DEFAULT_MODEL), JSON.stringify(ids));
  assert.ok(ids.includes(ALIAS_MODEL), JSON.stringify(ids));
});

test('what semble does not serve under /v1 and /ai/v1 is an OpenAI-shaped 404 / 405 the SDK reads', async () => {
  // A chat completion sent to a server that only embeds: the SDK's NotFoundError carries semble's
  // message (with a Cloudflare envelope it could only say "404 status code (no body)").
  for (const base of [`${server.url}/v1`, `${server.url}/client/v4/accounts/${ACCOUNT}/ai/v1`]) {
    const client = clientFor(base);
    await assert.rejects(
      client.chat.completions.create({ model: DEFAULT_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      (err) => {
        assert.equal(err.status, 404, String(err));
        assert.equal(err.constructor.name, 'NotFoundError', String(err));
        assert.match(err.message, /no route for POST \S*\/chat\/completions/, String(err));
        assert.equal(err.code, 'unknown_url');
        return true;
      });
  }
  for (const p of ['/v1', '/v1/nope', `/client/v4/accounts/${ACCOUNT}/ai/v1/images/generations`]) {
    const r = await request(server.url, 'POST', p, {});
    assert.equal(r.status, 404, `${p}: ${r.text}`);
    assert.equal(r.json?.error?.type, 'not_found_error', `${p}: ${r.text}`);
    assert.equal(r.json?.error?.code, 'unknown_url', `${p}: ${r.text}`);
  }
  const wrong = await request(server.url, 'GET', '/v1/embeddings');
  assert.equal(wrong.status, 405, wrong.text);
  assert.equal(wrong.json?.error?.code, 'method_not_allowed', wrong.text);
  assert.match(wrong.json?.error?.message, /GET is not allowed/);
  // Neighbouring Cloudflare paths keep the v4 envelope.
  for (const p of ['/v1x', `/client/v4/accounts/${ACCOUNT}/ai/v1x`, `/client/v4/accounts/${ACCOUNT}/nope`]) {
    const r = await request(server.url, 'POST', p, {});
    assert.equal(r.status, 404, `${p}: ${r.text}`);
    assert.equal(r.json?.success, false, `${p}: ${r.text}`);
    assert.equal(r.json?.errors?.[0]?.code, 7000, `${p}: ${r.text}`);
  }
});
