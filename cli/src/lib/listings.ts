import { AMI_ID_PATTERN, type ListingSummary, parseListingRef, type RegistryClient } from '@cws/shared';
import { CwsError } from './errors.js';

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
 * Which listing publishes an image id: the seed's community list first (cheap), then a search for the id, checking
 * each hit's versions. Returns null when no listing on this registry has it.
 */
export async function listingForAmi(
  client: RegistryClient,
  amiId: string,
): Promise<{ owner: string; name: string } | null> {
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
