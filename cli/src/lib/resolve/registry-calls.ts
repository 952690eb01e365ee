// Deep imports: the lean path's bundle then builds only these modules' schemas, not the whole API's.
import type { RegistryClient, ResolveParams } from '@cws/shared';
import { HttpClient, type HttpClientOptions } from '@cws/shared/client/http';
import { type ResolveResult, resolveResult } from '@cws/shared/schemas/resolve';
import { type AmiStatusResult, amiStatusResult } from '@cws/shared/schemas/trust';

/**
 * The two registry calls a resolution makes (`resolve`, then `amiStatus` on what a tier found), on the shared
 * HttpClient with the shared answer schemas: the same requests and checks as RegistryClient's methods of those
 * names. RegistryClient reaches every endpoint through the contract table, so loading it builds the zod schemas of
 * the whole API; a resolve needs two of them (registry-calls.test.ts checks the paths against the contracts).
 */
export class ResolveCalls implements Pick<RegistryClient, 'resolve' | 'amiStatus'> {
  private readonly http: HttpClient;

  constructor(opts: HttpClientOptions) {
    this.http = new HttpClient(opts);
  }

  resolve(template: string, params: ResolveParams, signal?: AbortSignal): Promise<ResolveResult> {
    if (template === '') throw new TypeError('resolve: the path parameter template is missing');
    return this.http.request({
      method: 'GET',
      path: `/api/v1/resolve/${encodeURIComponent(template)}`,
      query: { ...params },
      schema: resolveResult,
      signal,
    });
  }

  amiStatus(amiIds: string[], signal?: AbortSignal): Promise<AmiStatusResult> {
    return this.http.request({
      method: 'POST',
      path: '/api/v1/amis/status',
      body: { ami_ids: amiIds },
      schema: amiStatusResult,
      signal,
    });
  }
}
