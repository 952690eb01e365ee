import type { AmiStatusItem, RegistryClient, RevokedAncestor } from '@cws/shared';
import { isRegistryError } from '@cws/shared/client/errors';

export interface StatusRegistry {
  name: string;
  url: string;
  client: Pick<RegistryClient, 'amiStatus'>;
}

/** What one registry said about one AMI. */
export interface RegistryVerdict {
  registry: string;
  status: AmiStatusItem['status'];
  listing: string | null;
  version: string | null;
  reason: string | null;
  use_instead: AmiStatusItem['use_instead'];
  /** The nearest revoked image this one was saved from (directly or through its ancestors), if any. */
  revoked_ancestor: RevokedAncestor | null;
}

/**
 * The revocation check for one AMI, across the configured registries:
 * - `revoked`: some registry revoked it (the first one in priority order that did is `verdict`);
 * - `deprecated`: none revoked it, some deprecated it;
 * - `active` / `unlisted`: a registry lists it as active / no registry that answered lists it;
 * - `unknown`: no registry could be asked.
 */
export interface StatusCheck {
  ami_id: string;
  status: 'active' | 'deprecated' | 'revoked' | 'unlisted' | 'unknown';
  verdict: RegistryVerdict | null;
  /** Every registry's answer, in priority order. */
  answers: RegistryVerdict[];
  /** Registries that could not be asked, with why. */
  skipped: { registry: string; error: string }[];
  /** Built on a revoked image, as the first registry (in priority order) that knows it says; null otherwise. */
  revoked_ancestor: (RevokedAncestor & { registry: string }) | null;
}

/** Asks each registry, in priority order, about these AMIs; a registry that fails is listed in `skipped`. */
export async function checkAmiStatus(amiIds: string[], registries: StatusRegistry[]): Promise<StatusCheck[]> {
  const ids = [...new Set(amiIds)];
  const answers = new Map<string, RegistryVerdict[]>(ids.map((id) => [id, []]));
  const skipped: StatusCheck['skipped'] = [];
  for (const reg of registries) {
    try {
      for (let i = 0; i < ids.length; i += 100) {
        const { items } = await reg.client.amiStatus(ids.slice(i, i + 100));
        for (const it of items) {
          answers.get(it.ami_id)?.push({
            registry: reg.name,
            status: it.status,
            listing: it.listing,
            version: it.version,
            reason: it.reason,
            use_instead: it.use_instead,
            revoked_ancestor: it.lineage?.revoked_ancestor ?? null,
          });
        }
      }
    } catch (err) {
      if (!isRegistryError(err)) throw err;
      skipped.push({ registry: reg.name, error: err.summary });
    }
  }
  const asked = registries.length - skipped.length;
  return ids.map((id) => {
    const all = answers.get(id) ?? [];
    const pick = (s: AmiStatusItem['status']) => all.find((a) => a.status === s) ?? null;
    const verdict = pick('revoked') ?? pick('deprecated') ?? pick('active');
    const status: StatusCheck['status'] = verdict ? verdict.status : asked > 0 ? 'unlisted' : 'unknown';
    const flagged = all.find((a) => a.revoked_ancestor);
    const revoked_ancestor = flagged?.revoked_ancestor
      ? { ...flagged.revoked_ancestor, registry: flagged.registry }
      : null;
    return { ami_id: id, status, verdict, answers: all, skipped, revoked_ancestor };
  });
}

/** "ami-... is built on a revoked image: <reason> (...) (revoked in community)", or null. */
export function describeLineage(c: StatusCheck): string | null {
  const a = c.revoked_ancestor;
  if (!a) return null;
  // The registry's message names the revoked listing and image already.
  return `${c.ami_id} is ${a.message} (revoked in ${a.registry})`;
}

/** One line for a person: "revoked by community (alice/lab@1.0.0): leaked keys; use alice/lab@1.1.0 (ami-...)". */
export function describeStatus(c: StatusCheck): string {
  if (c.status === 'unknown') {
    return `revocation status of ${c.ami_id} unknown: no registry could be asked (${c.skipped.map((s) => `${s.registry}: ${s.error}`).join('; ') || 'none configured'})`;
  }
  const v = c.verdict;
  if (!v) return `${c.ami_id} is not listed in any registry that answered`;
  const where = v.listing ? ` (${v.listing}${v.version ? `@${v.version}` : ''})` : '';
  const why = v.reason ? `: ${v.reason}` : '';
  const instead = v.use_instead
    ? `; use ${v.use_instead.listing}@${v.use_instead.version}${v.use_instead.ami_id ? ` (${v.use_instead.ami_id})` : ''} instead`
    : '';
  return `${c.ami_id} ${v.status} in ${v.registry}${where}${why}${v.status === 'active' ? '' : instead}`;
}
