import {
  AMI_ID_PATTERN,
  isRegistryError,
  type ListingSummary,
  parseListingRef,
  type RegistryClient,
} from '@cws/shared';
import type { RegistryEntry } from './config.js';
import { CwsError } from './errors.js';
import { registryFailure } from './registries.js';

export type AmiRef = { kind: 'listing'; owner: string; name: string } | { kind: 'ami'; ami_id: string };

/** OWNER/NAME, or an EC2 image id. */
export function parseRef(ref: string): AmiRef {
  if (AMI_ID_PATTERN.test(ref)) return { kind: 'ami', ami_id: ref };
  const listing = parseListingRef(ref);
  if (listing) return { kind: 'listing', ...listing };
  throw new CwsError(`"${ref}" is neither OWNER/NAME nor an image id (ami-...)`, {
    code: 'usage',
    suggestions: ['find references with: cws ami browse --query WORDS'],
  });
}

/**
 * Which listing publishes an image id, in any region and version: the registry looks it up (POST /amis/status,
 * one indexed query). A registry without that endpoint is asked the old way: the seed's community list, then a
 * search for the id, checking each hit's versions. Returns null when no listing on this registry has it.
 */
export async function listingForAmi(
  client: RegistryClient,
  amiId: string,
): Promise<{ owner: string; name: string } | null> {
  const status = await client.amiStatus([amiId]).catch((err: unknown) => {
    if (isRegistryError(err) && (err.status === 404 || err.status === 405)) return null; // an older registry
    throw err;
  });
  if (status) {
    const ref = status.items.find((i) => i.ami_id === amiId)?.listing;
    return ref ? parseListingRef(ref) : null;
  }
  const community = await client.communityAmis();
  const direct = community.find((c) => c.ami_id === amiId);
  if (direct) {
    const detail = await client.getListing(direct.creator, direct.name).catch(() => null);
    if (detail) return { owner: detail.owner, name: detail.name };
  }
  const hits: ListingSummary[] = (await client.searchListings({ q: amiId, limit: 10 }).catch(() => null))?.items ?? [];
  for (const hit of hits) {
    const detail = await client.getListing(hit.owner, hit.name);
    if (detail.versions.some((v) => v.regions.some((r) => r.ami_id === amiId)))
      return { owner: hit.owner, name: hit.name };
  }
  return null;
}

export function stars(average: number, count: number): string {
  return count === 0 ? 'unrated' : `${average.toFixed(1)} (${count})`;
}

/** "1 download", "2 downloads", "0 launches". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The listing a REF names on a registry: OWNER/NAME as given, or the listing that publishes an image id. */
export async function listingOf(
  client: RegistryClient,
  entry: RegistryEntry,
  refText: string,
): Promise<{ owner: string; name: string }> {
  const ref = parseRef(refText);
  if (ref.kind === 'listing') return { owner: ref.owner, name: ref.name };
  const found = await listingForAmi(client, ref.ami_id).catch((err) => {
    throw registryFailure(err, entry, `find the listing of ${ref.ami_id}`);
  });
  if (!found) {
    throw new CwsError(`no listing on ${entry.name} publishes ${ref.ami_id}`, {
      code: 'not_found',
      suggestions: ['give the listing as OWNER/NAME; search with: cws ami browse --query WORDS'],
    });
  }
  return found;
}
