/**
 * An answer serialised once: the JSON bytes of a `T`, sent as they are (http/route.ts
 * `sendJson`) instead of being stringified again for every request that reads it from the cache.
 * `T` only documents what the bytes hold; nothing checks it at run time (tests do: with
 * checkResponses on, the route parses the bytes against the contract).
 */
export class JsonText<T = unknown> {
  declare readonly holds?: T;
  constructor(readonly bytes: Buffer) {}

  static of<T>(value: T): JsonText<T> {
    return new JsonText<T>(Buffer.from(JSON.stringify(value)));
  }
}
