// A Vectorize index "binding" for code outside Cloudflare Workers: the object a Worker gets as
// env.VECTORIZE (Workers' VectorizeIndex: describe, query, queryById, insert, upsert, getByIds,
// deleteByIds), backed by the official `cloudflare` SDK's REST calls. Frameworks whose Vectorize
// store takes a binding (LangChain's CloudflareVectorizeStore) then run anywhere node runs, against
// Cloudflare or against semble — the recipe docs/CLIENTS.md shows.
//
//   import Cloudflare from 'cloudflare';
//   const cf = new Cloudflare({ apiToken, baseURL: 'http://127.0.0.1:8080/client/v4' });
//   const index = new VectorizeRestIndex(cf, { accountId: 'local', indexName: 'docs' });
//   const store = new CloudflareVectorizeStore(embeddings, { index });
//
// Differences from a real binding: writes are applied when they return on semble (Vectorize's are
// asynchronous either way), and errors are the SDK's APIError instead of the binding's Error.

export class VectorizeRestIndex {
  constructor(client, { accountId, indexName }) {
    if (!client || !accountId || !indexName) throw new Error('VectorizeRestIndex needs a cloudflare client, accountId and indexName');
    this.client = client;
    this.accountId = accountId;
    this.indexName = indexName;
  }

  get #indexes() { return this.client.vectorize.indexes; }

  // VectorizeIndexInfo: {vectorCount, dimensions, processedUpToDatetime, processedUpToMutation}.
  async describe() {
    const info = await this.#indexes.info(this.indexName, { account_id: this.accountId });
    return {
      vectorCount: info.vectorCount,
      dimensions: info.dimensions,
      processedUpToDatetime: info.processedUpToDatetime,
      processedUpToMutation: info.processedUpToMutation,
    };
  }

  // The binding takes returnMetadata as true / false (Vectorize v1's form) or "all" / "indexed" /
  // "none"; the REST API only the strings.
  #queryParams(options = {}) {
    const params = { account_id: this.accountId };
    if (options.topK !== undefined) params.topK = options.topK;
    if (options.returnValues !== undefined) params.returnValues = options.returnValues;
    if (options.returnMetadata !== undefined) {
      params.returnMetadata = options.returnMetadata === true ? 'all'
        : options.returnMetadata === false ? 'none' : options.returnMetadata;
    }
    if (options.filter !== undefined) params.filter = options.filter;
    if (options.namespace !== undefined) params.namespace = options.namespace;
    return params;
  }

  // VectorizeMatches: {count, matches: [{id, score, values?, metadata?, namespace?}]}.
  async query(vector, options) {
    const values = Array.from(vector);  // a binding also takes Float32Array / Float64Array
    const res = await this.#indexes.query(this.indexName, { ...this.#queryParams(options), vector: values });
    return { count: res?.count ?? 0, matches: res?.matches ?? [] };
  }

  // The REST query takes vectorId in place of vector (Vectorize v2's queryById); the SDK sends
  // every body field it is given.
  async queryById(vectorId, options) {
    const res = await this.#indexes.query(this.indexName, { ...this.#queryParams(options), vectorId });
    return { count: res?.count ?? 0, matches: res?.matches ?? [] };
  }

  static #ndjson(vectors) {
    return vectors.map((v) => {
      const rec = { id: v.id, values: Array.from(v.values) };
      if (v.namespace !== undefined) rec.namespace = v.namespace;
      if (v.metadata !== undefined) rec.metadata = v.metadata;
      return JSON.stringify(rec);
    }).join('\n') + '\n';
  }

  // VectorizeAsyncMutation: {mutationId}.
  async insert(vectors) {
    const res = await this.#indexes.insert(this.indexName, { account_id: this.accountId, body: VectorizeRestIndex.#ndjson(vectors) });
    return { mutationId: res.mutationId };
  }

  async upsert(vectors) {
    const res = await this.#indexes.upsert(this.indexName, { account_id: this.accountId, body: VectorizeRestIndex.#ndjson(vectors) });
    return { mutationId: res.mutationId };
  }

  // VectorizeVector[]: {id, values, namespace?, metadata?}.
  async getByIds(ids) {
    return (await this.#indexes.getByIDs(this.indexName, { account_id: this.accountId, ids })) ?? [];
  }

  async deleteByIds(ids) {
    const res = await this.#indexes.deleteByIDs(this.indexName, { account_id: this.accountId, ids });
    return { mutationId: res.mutationId };
  }
}
