import type { Router } from 'express';
import type { AppContext } from '../context.js';

/** Liveness, readiness (the database answers) and Prometheus metrics. */
export function registerHealth(router: Router, ctx: AppContext): void {
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const redis = ctx.redis ? (ctx.redis.up ? 'ok' : 'degraded') : 'off';
    try {
      await Promise.race([
        ctx.database.ping(),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timed out')), 2000).unref()),
      ]);
      res.json({ status: 'ready', database: 'ok', redis });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', database: (err as Error).message, redis });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
