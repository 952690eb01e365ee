export { isNoMatch, isRegistryError, RegistryError, type RegistryErrorKind } from './errors.js';
export { buildUrl, HttpClient, type HttpClientOptions, type HttpMethod, normalizeBaseUrl } from './http.js';
export {
  type CallInput,
  type CommunityParams,
  type NewVersionInput,
  type PublishInput,
  type RatingInput,
  RegistryClient,
  type RegistryClientOptions,
  type ResolveParams,
  type SearchParams,
} from './registry-client.js';
export { backoffDelay, parseRetryAfter } from './retry.js';
