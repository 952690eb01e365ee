import type { RequestHandler } from 'express';
import type { Metrics } from '../../metrics.js';

/** Counts and times requests by route pattern (never the raw URL: ids would explode the labels). */
export function requestMetrics(metrics: Metrics): RequestHandler {
  // The labelled children, looked up once per (method, route, status) instead of per request.
  const counters = new Map<string, ReturnType<Metrics['httpRequests']['labels']>>();
  const timers = new Map<string, ReturnType<Metrics['httpDuration']['labels']>>();
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const timerKey = `${req.method} ${route}`;
      const counterKey = `${timerKey} ${res.statusCode}`;
      let counter = counters.get(counterKey);
      if (!counter) {
        counter = metrics.httpRequests.labels({ method: req.method, route, status: String(res.statusCode) });
        counters.set(counterKey, counter);
      }
      let timer = timers.get(timerKey);
      if (!timer) {
        timer = metrics.httpDuration.labels({ method: req.method, route });
        timers.set(timerKey, timer);
      }
      counter.inc();
      timer.observe(seconds);
    });
    next();
  };
}
