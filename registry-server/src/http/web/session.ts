import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../../context.js';
import { ForbiddenError } from '../../errors.js';
import type { StartedSession, WebSession } from '../../services/sessions.js';

export const SESSION_COOKIE = 'cws_session';
/** Double-submit nonce for the sign-in form, which has no session yet to bind a CSRF token to. */
export const LOGIN_COOKIE = 'cws_login';

/** Per-request web state, kept on res.locals. */
export interface WebState {
  session: WebSession | null;
  /** The raw cookie value of a live session (to end it on sign-out). */
  sessionId: string | null;
}

export function webState(res: Response): WebState {
  return (res.locals.web as WebState | undefined) ?? { session: null, sessionId: null };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      if (!out.has(name)) out.set(name, decodeURIComponent(value));
    } catch {
      // A cookie that is not valid percent-encoding is not one of ours.
    }
  }
  return out;
}

/** Secure cookies when the request came over TLS (trust proxy decides what counts) or the public URL is https. */
export function isSecure(ctx: AppContext, req: Request): boolean {
  return req.secure || Boolean(ctx.config.http.publicUrl?.startsWith('https:'));
}

function cookieOptions(ctx: AppContext, req: Request, path = '/') {
  return { httpOnly: true, sameSite: 'lax' as const, secure: isSecure(ctx, req), path };
}

/** Reads the session cookie; a cookie that names no live session is cleared. */
export function loadSession(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const id = parseCookies(req.headers.cookie).get(SESSION_COOKIE) ?? null;
    const session = id ? await ctx.services.sessions.find(id) : null;
    if (id && !session) res.clearCookie(SESSION_COOKIE, cookieOptions(ctx, req));
    res.locals.web = { session, sessionId: session ? id : null } satisfies WebState;
    next();
  };
}

export function setSessionCookie(ctx: AppContext, req: Request, res: Response, session: StartedSession): void {
  res.cookie(SESSION_COOKIE, session.id, { ...cookieOptions(ctx, req), expires: session.expiresAt });
}

export function clearSessionCookie(ctx: AppContext, req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(ctx, req));
}

export function setLoginCookie(ctx: AppContext, req: Request, res: Response, nonce: string): void {
  res.cookie(LOGIN_COOKIE, nonce, { ...cookieOptions(ctx, req, '/login'), maxAge: 10 * 60_000 });
}

export function clearLoginCookie(ctx: AppContext, req: Request, res: Response): void {
  res.clearCookie(LOGIN_COOKIE, cookieOptions(ctx, req, '/login'));
}

/**
 * Starts a web session for a user who has proven who they are (a one-time link today, SAML
 * later), sets the cookie, and ends the session the browser had before. The caller redirects.
 */
export async function startSession(
  ctx: AppContext,
  req: Request,
  res: Response,
  user: { userId: number; scopes: readonly string[]; via: 'link' | 'saml' },
): Promise<void> {
  const session = await ctx.services.sessions.start(user.userId, user.scopes, user.via);
  await replaceSession(ctx, req, res, session);
}

/** Sets the cookie of a session already created, ending the browser's previous one. */
export async function replaceSession(ctx: AppContext, req: Request, res: Response, session: StartedSession) {
  const previous = webState(res).sessionId;
  if (previous) await ctx.services.sessions.end(previous);
  setSessionCookie(ctx, req, res, session);
}

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Rejects a cross-site form post: the browser's own Origin / Sec-Fetch-Site say where it came
 * from. Defence in depth beside the CSRF token (and SameSite=Lax on the cookie).
 */
export function checkSameOrigin(ctx: AppContext, req: Request): void {
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new ForbiddenError('cross-site form posts are refused');
  const origin = req.headers.origin;
  if (!origin) return;
  const own = new Set([`${req.protocol}://${req.host}`]);
  if (ctx.config.http.publicUrl) own.add(new URL(ctx.config.http.publicUrl).origin);
  if (!own.has(origin)) throw new ForbiddenError('this form was posted from another site');
}

/** Every page POST made with a session must carry that session's CSRF token. */
export function checkCsrf(ctx: AppContext, req: Request, res: Response): WebSession {
  checkSameOrigin(ctx, req);
  const { session } = webState(res);
  if (!session) throw new ForbiddenError('your session has ended; sign in again');
  const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
  if (!sameToken(sent, session.csrfToken)) {
    throw new ForbiddenError('the form is out of date or came from another site; reload the page and try again');
  }
  return session;
}
