import { isSeverity, type ListingDetail, listingParams, ratingBody, searchQuery } from '@cws/shared';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { spend } from '../middleware/rate-limit.js';
import { registerAccount } from './account.js';
import { serveAssets } from './assets.js';
import { registerDevice } from './device.js';
import { listingPath } from './html.js';
import { registerInvite } from './invite.js';
import { layout, type Render, sendPage } from './layout.js';
import { pageErrors } from './page-errors.js';
import { myListingsPage, signInPage } from './pages/account.js';
import { badSearchPage, cataloguePage } from './pages/catalogue.js';
import { notFoundPage } from './pages/errors.js';
import { currentVersion, type ListingView, listingPage } from './pages/listing.js';
import { one, PAGE_SIZE, parseCatalogue } from './query.js';
import { registerSaml, safeReturnPath, samlButtons } from './saml.js';
import { checkCsrf, loadSession, webState } from './session.js';
import { registerSignIn } from './sign-in.js';

const REVIEWS_PER_PAGE = 10;

/** Paths that are not pages: the JSON API answers them, 404s included. */
const NOT_PAGES = /^\/(api|healthz|readyz|metrics)(\/|$)/;

/** The web pages: catalogue, listing pages, rating, sign-in and sign-out, my listings. */
export function createWebRouter(ctx: AppContext, version: string): Router {
  const router = express.Router();
  const { catalogue } = ctx.services;
  const render: Render = (req, res, status, page) => sendPage(req, res, status, layout(res, version, page));

  router.use((req, _res, next) => next(NOT_PAGES.test(req.path) ? 'router' : undefined));
  router.use(serveAssets);
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          connectSrc: ["'self'"],
          // SP-initiated sign-out sends the form's redirect on to the IdP's logout service.
          formAction: ["'self'", ...samlOrigins(ctx)],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      // same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on our own form posts.
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  router.use(loadSession(ctx));
  router.use(pageRateLimit(ctx));
  // A SAML response (signed, maybe encrypted, many attributes) is larger than any form of ours.
  router.use('/saml/acs', express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 5 }));
  router.use(signedInPages(ctx, render));
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 20 }));

  router.get('/', async (req, res) => {
    const { form, search, errors } = parseCatalogue(req.query);
    if (errors.length > 0) return render(req, res, 400, badSearchPage(form, errors));
    const [facets, result] = await Promise.all([
      catalogue.facets(),
      ctx.services.search.search(search, webState(res).session?.principal ?? null),
    ]);
    render(req, res, 200, cataloguePage({ form, facets, result }));
  });

  const showListing = async (req: Request, res: Response, status: number, extra: Partial<ListingView> = {}) => {
    const params = listingParams.safeParse({ owner: req.params.owner, name: req.params.name });
    if (!params.success) throw new NotFoundError('There is no image with this name.');
    const { owner, name } = params.data;
    const { session } = webState(res);
    const viewer = session?.principal ?? null;
    const detail = await ctx.services.listings.detail(owner, name, viewer);
    const cursor = one(req.query, 'reviews');
    // detail() above already decided this viewer may see the listing, so the page of reviews
    // can be cached without the viewer in the key (the same cache and invalidation as the API).
    const reviews =
      cursor !== undefined || detail.ratings.count > detail.reviews.length
        ? await ctx.cache.wrap(`web:reviews:${detail.ref}:${cursor ?? ''}`, () =>
            ctx.services.listings.reviews(owner, name, viewer, REVIEWS_PER_PAGE, cursor),
          )
        : { items: detail.reviews, next_cursor: null };
    const mine = session ? await catalogue.myRating(session.principal, owner, name) : null;
    const rated = Boolean(session) && one(req.query, 'rated') === '1';
    const findings = await listingFindings(ctx, detail, one(req.query, 'severity'));
    // The address people reach this registry at: the configured public URL, else the one this page was asked at.
    const registryUrl = ctx.config.http.publicUrl ?? `${req.protocol}://${req.host}`;
    render(
      req,
      res,
      status,
      listingPage({ detail, reviews, reviewsCursor: cursor, session, mine, rated, findings, registryUrl, ...extra }),
    );
  };

  router.get('/l/:owner/:name', (req, res) => showListing(req, res, 200));

  router.post('/l/:owner/:name/rating', async (req, res) => {
    const session = checkCsrf(ctx, req, res);
    const params = listingParams.safeParse({ owner: req.params.owner, name: req.params.name });
    if (!params.success) throw new NotFoundError('There is no image with this name.');
    const form = req.body as Record<string, unknown>;
    const review = typeof form.review === 'string' ? form.review.replace(/\r\n?/g, '\n') : undefined;
    const stars = typeof form.rating === 'string' && /^[1-5]$/.test(form.rating) ? Number(form.rating) : undefined;
    const parsed = ratingBody.safeParse({ rating: stars, review });
    if (!parsed.success) {
      const message = stars === undefined ? 'Choose from 1 to 5 stars.' : parsed.error.issues[0]!.message;
      return showListing(req, res, 400, { formError: { message, rating: stars, review } });
    }
    await ctx.services.ratings.rateListing(session.principal, params.data.owner, params.data.name, parsed.data);
    res.redirect(303, `${listingPath(params.data.owner, params.data.name)}?rated=1#reviews`);
  });

  registerSignIn(router, ctx, render);
  registerSaml(router, ctx, render);
  registerDevice(router, ctx, render);
  registerInvite(router, ctx, render);
  registerAccount(router, ctx, render);

  router.get('/my/listings', async (req, res) => {
    const { session } = webState(res);
    if (!session) return res.redirect(303, '/login');
    const cursor = one(req.query, 'cursor');
    const query = searchQuery.parse({ owner: session.principal.handle, sort: 'name', limit: PAGE_SIZE, cursor });
    const result = await ctx.services.search.search(query, session.principal);
    render(req, res, 200, myListingsPage(session, result, cursor ? { cursor } : {}));
  });

  router.use((req, res) => render(req, res, 404, notFoundPage()));
  router.use(pageErrors(ctx, render));
  return router;
}

function samlOrigins(ctx: AppContext): string[] {
  const origins = new Set<string>();
  for (const { metadata } of ctx.services.saml?.idps() ?? []) {
    if (metadata.sloUrl) origins.add(new URL(metadata.sloUrl).origin);
  }
  return [...origins];
}

/** Pages that stay open under CWS_REGISTRY_READ=signed-in: signing in and out (link, SAML, device approval). */
const OPEN_PAGES = /^\/(login|logout|saml|device|invite)(\/|$)/;

/** With CWS_REGISTRY_READ=signed-in, anonymous visitors get the sign-in page (401) instead of any other page. */
function signedInPages(ctx: AppContext, render: Render): RequestHandler {
  return (req, res, next) => {
    if (ctx.config.access.read !== 'signed-in' || webState(res).session || OPEN_PAGES.test(req.path)) return next();
    res.setHeader('Cache-Control', 'no-store');
    const sso = ctx.services.saml
      ? samlButtons(ctx, req.method === 'GET' ? safeReturnPath(req.originalUrl) : null)
      : null;
    render(req, res, 401, signInPage(null, sso, 'This registry is for signed-in users only. Sign in to browse it.'));
  };
}

/** The API's limits apply to pages too: per signed-in user, else per client address. */
function pageRateLimit(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const { session } = webState(res);
    await spend(ctx, req, session ? `u${session.principal.userId}` : `ip${req.ip}`);
    next();
  };
}

/** The first page of the current version's findings for the listing page (`?severity=` filters; anything else is ignored). */
async function listingFindings(ctx: AppContext, detail: ListingDetail, severity: string | undefined) {
  const version = currentVersion(detail);
  if (!version) return undefined;
  const sev = severity && isSeverity(severity) ? severity : undefined;
  const page = await ctx.services.scans.findings(detail.owner, detail.name, version.version, {
    limit: 100,
    ...(sev ? { severity: sev } : {}),
  });
  return { page, severity: sev };
}
