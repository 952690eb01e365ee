import type { VersionDetail } from '@cws/shared';
import type { CliContext } from '../context.js';
import { CwsError, EXIT } from '../errors.js';
import { listingForAmi, parseRef } from '../listings.js';
import { clientFor, pickRegistry, registryFailure } from '../registries.js';

/** Deprecates or revokes one version of a listing (by OWNER/NAME, or by an image id it publishes). */
export async function setStatus(
  ctx: CliContext,
  refText: string,
  version: string,
  action: 'deprecate' | 'revoke',
  reason: string | undefined,
  registry: string | undefined,
): Promise<VersionDetail & { registry: string; listing: string }> {
  const ref = parseRef(refText);
  const entry = pickRegistry(await ctx.config(), registry ?? (await ctx.defaultRegistry()));
  if (!entry.token) {
    throw new CwsError(`${action} needs a login: no token is stored for ${entry.name}`, {
      code: 'unauthorized',
      exit: EXIT.auth,
      suggestions: [`log in: cws login --aws --registry ${entry.name}`],
    });
  }
  const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs });
  let owner: string;
  let name: string;
  if (ref.kind === 'listing') ({ owner, name } = ref);
  else {
    const found = await listingForAmi(client, ref.ami_id).catch((err) => {
      throw registryFailure(err, entry, `find the listing of ${ref.ami_id}`);
    });
    if (!found) {
      throw new CwsError(`no listing on ${entry.name} publishes ${ref.ami_id}`, {
        code: 'not_found',
        exit: EXIT.notFound,
      });
    }
    ({ owner, name } = found);
  }
  try {
    const detail =
      action === 'revoke'
        ? await client.revoke(owner, name, version, reason ?? '')
        : await client.deprecate(owner, name, version, reason);
    return { registry: entry.name, listing: `${owner}/${name}`, ...detail };
  } catch (err) {
    throw registryFailure(err, entry, `${action} ${owner}/${name}@${version}`);
  }
}
