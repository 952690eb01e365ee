import { createInvitationBody, createTokenBody, type Scope } from '@cws/shared';
import type { Request, Response, Router } from 'express';
import type { AppContext } from '../../context.js';
import { DomainError, NotFoundError } from '../../errors.js';
import type { WebSession } from '../../services/sessions.js';
import type { Render } from './layout.js';
import { EXPIRY_CHOICES, invitationsPage, type TokenForm, tokensPage } from './pages/account-tokens.js';
import { one } from './query.js';
import { checkCsrf, webState } from './session.js';

const ID = /^[0-9]{1,18}$/;

/** The registry's URL as this server knows it: the public URL, else the address the browser used. */
export function registryUrlFor(ctx: AppContext, req: Request): string {
  return (ctx.config.http.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
}

const isAdmin = (session: WebSession) =>
  session.principal.role === 'admin' && session.principal.scopes.includes('admin');

/** A form field that may come once (a string) or repeated (an array). */
function many(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The account page: a signed-in person lists, makes and revokes their own API tokens (the new one
 * shown once with the cws login line to paste); admins also invite people. Every POST carries the
 * session's CSRF token.
 */
export function registerAccount(router: Router, ctx: AppContext, render: Render): void {
  const { account, invitations } = ctx.services;

  const needSession = (req: Request, res: Response): WebSession | null => {
    const { session } = webState(res);
    if (!session) res.redirect(303, `/login?next=${encodeURIComponent(req.path)}`);
    return session;
  };

  const showTokens = async (
    req: Request,
    res: Response,
    session: WebSession,
    status: number,
    extra: { created?: Awaited<ReturnType<typeof account.create>>; form?: TokenForm } = {},
  ) => {
    res.setHeader('Cache-Control', 'no-store');
    const [tokens, principal] = await Promise.all([account.list(session), account.tokenPrincipal(session)]);
    render(
      req,
      res,
      status,
      tokensPage({
        session,
        registryUrl: registryUrlFor(ctx, req),
        tokens,
        allowed: principal.scopes as Scope[],
        welcome: one(req.query, 'welcome') === '1',
        revoked: ID.test(one(req.query, 'revoked') ?? '') ? one(req.query, 'revoked') : undefined,
        isAdmin: isAdmin(session),
        ...extra,
      }),
    );
  };

  router.get('/account', (_req, res) => res.redirect(303, '/account/tokens'));

  router.get('/account/tokens', async (req, res) => {
    const session = needSession(req, res);
    if (session) await showTokens(req, res, session, 200);
  });

  router.post('/account/tokens', async (req, res) => {
    const session = checkCsrf(ctx, req, res);
    const body = req.body as Record<string, unknown>;
    const expires = typeof body.expires === 'string' ? body.expires : '90';
    const form: TokenForm = {
      name: typeof body.name === 'string' ? body.name : '',
      scopes: many(body.scopes),
      expires,
    };
    if (!(EXPIRY_CHOICES as readonly string[]).includes(expires)) {
      return showTokens(req, res, session, 400, { form: { ...form, error: 'Choose when the token expires.' } });
    }
    if (form.scopes!.length === 0) {
      return showTokens(req, res, session, 400, { form: { ...form, error: 'Choose at least one scope.' } });
    }
    const parsed = createTokenBody.safeParse({
      name: form.name,
      scopes: form.scopes,
      ...(expires === 'never' ? {} : { expires_in_days: Number(expires) }),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path[0] === 'name' ? 'Name' : 'Scopes';
      return showTokens(req, res, session, 400, { form: { ...form, error: `${field}: ${issue.message}` } });
    }
    try {
      const created = await account.create(session, parsed.data);
      await showTokens(req, res, session, 201, { created });
    } catch (err) {
      if (err instanceof DomainError && err.code === 'forbidden') {
        return showTokens(req, res, session, 403, { form: { ...form, error: err.message } });
      }
      throw err;
    }
  });

  router.post('/account/tokens/:id/revoke', async (req, res) => {
    const session = checkCsrf(ctx, req, res);
    const id = req.params.id;
    if (!ID.test(id)) throw new NotFoundError('There is no such token.');
    await account.revoke(session, Number(id));
    res.redirect(303, `/account/tokens?revoked=${id}`);
  });

  // Invitations: registry admins only (a non-admin gets 403 from the service).
  const showInvitations = async (
    req: Request,
    res: Response,
    session: WebSession,
    status: number,
    extra: Partial<Parameters<typeof invitationsPage>[0]> = {},
  ) => {
    res.setHeader('Cache-Control', 'no-store');
    const page = await invitations.list(session.principal, { limit: 50 });
    const revoked = one(req.query, 'revoked');
    render(
      req,
      res,
      status,
      invitationsPage({
        session,
        invitations: page.items,
        revoked: revoked && ID.test(revoked) ? revoked : undefined,
        ...extra,
      }),
    );
  };

  router.get('/account/invitations', async (req, res) => {
    const session = needSession(req, res);
    if (session) await showInvitations(req, res, session, 200);
  });

  router.post('/account/invitations', async (req, res) => {
    const session = checkCsrf(ctx, req, res);
    const body = req.body as Record<string, unknown>;
    const note = typeof body.note === 'string' && body.note.trim() ? body.note : undefined;
    const days =
      typeof body.expires_in_days === 'string' && /^\d{1,3}$/.test(body.expires_in_days)
        ? Number(body.expires_in_days)
        : undefined;
    const parsed = createInvitationBody.safeParse({ role: body.role, expires_in_days: days, note });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return showInvitations(req, res, session, 400, { error: `${String(issue.path[0] ?? 'form')}: ${issue.message}` });
    }
    const created = await invitations.create(session.principal, parsed.data, registryUrlFor(ctx, req));
    await showInvitations(req, res, session, 201, { created });
  });

  router.post('/account/invitations/:id/revoke', async (req, res) => {
    const session = checkCsrf(ctx, req, res);
    const id = req.params.id;
    if (!ID.test(id)) throw new NotFoundError('There is no such invitation.');
    await invitations.revoke(session.principal, Number(id));
    res.redirect(303, `/account/invitations?revoked=${id}`);
  });
}
