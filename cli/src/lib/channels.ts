import { CHANNEL_PATTERN, VERSION_PATTERN } from '@cws/shared';
import { call, signedInClient } from './admin.js';
import type { CliContext } from './context.js';
import { CwsError } from './errors.js';
import { listingOf } from './listings.js';
import { clientFor, pickRegistry, registryFailure } from './registries.js';

export interface ChannelList {
  registry: string;
  listing: string;
  channels: { channel: string; version: string }[];
}

export interface ChannelChange {
  registry: string;
  listing: string;
  channel: string;
  /** The version the channel points at now; null once removed. */
  version: string | null;
  /** The version it pointed at before; null when it did not exist. */
  previous: string | null;
}

function checkChannel(channel: string): void {
  if (!CHANNEL_PATTERN.test(channel)) {
    throw new CwsError(
      `"${channel}" is not a channel name: 1-32 lowercase letters, digits or -, starting with a letter`,
      {
        code: 'usage',
        suggestions: ['e.g. stable, beta, lts-2026'],
      },
    );
  }
}

/** A listing's channels, as anyone who may see the listing sees them. */
export async function listChannels(ctx: CliContext, ref: string, registry: string | undefined): Promise<ChannelList> {
  const entry = pickRegistry(await ctx.config(), registry ?? (await ctx.defaultRegistry()));
  const client = clientFor(entry, { timeoutMs: ctx.registryTimeoutMs, retries: 1 });
  const { owner, name } = await listingOf(client, entry, ref);
  const detail = await client.getListing(owner, name).catch((err) => {
    throw registryFailure(err, entry, `look up ${owner}/${name}`);
  });
  return {
    registry: entry.name,
    listing: detail.ref,
    channels: Object.entries(detail.channels)
      .map(([channel, version]) => ({ channel, version }))
      .sort((a, b) => a.channel.localeCompare(b.channel)),
  };
}

/**
 * Points a channel at a version, or removes it (version null). The registry allows its owner and maintainers (and
 * admins), refuses a revoked version, and keeps both in the listing's audit log.
 */
export async function changeChannel(
  ctx: CliContext,
  ref: string,
  channel: string,
  version: string | null,
  registry: string | undefined,
): Promise<ChannelChange> {
  checkChannel(channel);
  if (version !== null && !VERSION_PATTERN.test(version)) {
    throw new CwsError(`"${version}" is not a version such as 1.0.0`, { code: 'usage' });
  }
  const { entry, client } = await signedInClient(ctx, registry);
  const { owner, name } = await listingOf(client, entry, ref);
  const detail = await call(entry, `look up ${owner}/${name}`, () => client.getListing(owner, name));
  const previous = detail.channels[channel] ?? null;
  if (version === null) {
    if (previous === null) {
      throw new CwsError(`${owner}/${name} has no channel ${channel} on ${entry.name}`, {
        code: 'not_found',
        suggestions: [`its channels: cws ami channel list ${owner}/${name}`],
      });
    }
    await call(entry, `remove channel ${channel} of ${owner}/${name}`, () =>
      client.deleteChannel(owner, name, channel),
    );
    return { registry: entry.name, listing: `${owner}/${name}`, channel, version: null, previous };
  }
  const r = await call(entry, `point channel ${channel} of ${owner}/${name} at ${version}`, () =>
    client.setChannel(owner, name, channel, version),
  );
  return { registry: entry.name, listing: `${owner}/${name}`, channel, version: r.version, previous };
}
