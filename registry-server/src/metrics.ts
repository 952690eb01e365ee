import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per server instance, so two apps in one process (tests) keep their own numbers. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cws_registry_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'cws_registry_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'cws_registry_http_request_duration_seconds',
      help: 'HTTP request latency by method and route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'cws_registry_cache_requests_total',
      help: 'Cache lookups by tier (local, redis) and result (hit, miss)',
      labelNames: ['tier', 'result'] as const,
      registers: [registry],
    }),
    dbQueryDuration: new Histogram({
      name: 'cws_registry_db_query_duration_seconds',
      help: 'Database query latency',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    dbErrors: new Counter({
      name: 'cws_registry_db_errors_total',
      help: 'Failed database queries',
      registers: [registry],
    }),
    dbPoolSize: new Gauge({
      name: 'cws_registry_db_pool_size',
      help: 'Database connections the pool may open (1 for embedded PGlite)',
      registers: [registry],
    }),
    dbInFlight: new Gauge({
      name: 'cws_registry_db_queries_in_flight',
      help: 'Database queries or transactions holding a connection now',
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'cws_registry_rate_limited_total',
      help: 'Requests refused with 429',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    redisUp: new Gauge({
      name: 'cws_registry_redis_up',
      help: '1 when Redis answers, 0 when degraded',
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
