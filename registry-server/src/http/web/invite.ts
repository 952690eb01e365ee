import { randomBytes } from 'node:crypto';
import { handle as handleSchema } from '@cws/shared';
import type { Router } from 'express';
import type { AppContext } from '../../context.js';
import { ConflictError, ForbiddenError } from '../../errors.js';
import { INVITE_CODE } from '../../services/invitations.js';
import type { Render } from './layout.js';
import { badInvitePage, invitePage } from './pages/invite.js';
import { checkSameOrigin, isSecure, parseCookies, replaceSession, sameToken, webState } from './session.js';

/** Double-submit nonce of the invitation form, which has no session yet to bind a CSRF token to. */
const INVITE_COOKIE = 'cws_invite';

/**
 * Invitation links (and the first-run admin link): GET shows what the link does and a form; only
 * the POST spends it, so link previews and mail scanners cannot. Success creates the account,
 * signs the browser in and goes to the account page to make a token.
 */
export function registerInvite(router: Router, ctx: AppContext, render: Render): void {
  const cookie = (req: Parameters<typeof isSecure>[1]) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: isSecure(ctx, req),
    path: '/invite',
  });

  const show = async (
    req: Parameters<Render>[0],
    res: Parameters<Render>[1],
    code: string,
    status: number,
    form = {},
  ) => {
    res.setHeader('Cache-Control', 'no-store');
    const check = await ctx.services.invitations.inspect(code);
    if (check.state !== 'valid')
      return render(req, res, check.state === 'unknown' ? 404 : 410, badInvitePage(check.state));
    const nonce = randomBytes(18).toString('base64url');
    res.cookie(INVITE_COOKIE, nonce, { ...cookie(req), maxAge: 30 * 60_000 });
    const current = webState(res).session?.principal.handle ?? null;
    render(req, res, status, invitePage(check, code, nonce, current, form));
  };

  router.get('/invite/:code', (req, res) => show(req, res, req.params.code, 200));

  router.post('/invite', async (req, res) => {
    checkSameOrigin(ctx, req);
    const form = req.body as Record<string, unknown>;
    const nonce = parseCookies(req.headers.cookie).get(INVITE_COOKIE);
    if (!nonce || !sameToken(form.nonce, nonce)) {
      throw new ForbiddenError('This form is out of date or came from another site. Open the invitation link again.');
    }
    const code = typeof form.code === 'string' && INVITE_CODE.test(form.code) ? form.code : null;
    if (!code) return render(req, res, 404, badInvitePage('unknown'));
    const typed = typeof form.handle === 'string' ? form.handle.trim() : '';
    const displayName =
      typeof form.display_name === 'string' && form.display_name.trim() ? form.display_name.trim().slice(0, 200) : null;
    const keep = { handle: typed, displayName: displayName ?? '' };
    const handle = handleSchema.safeParse(typed);
    if (!handle.success) {
      return show(req, res, code, 400, { ...keep, error: `Handle: ${handle.error.issues[0]!.message}.` });
    }
    let result: Awaited<ReturnType<typeof ctx.services.invitations.accept>>;
    try {
      result = await ctx.services.invitations.accept(code, { handle: handle.data, display_name: displayName });
    } catch (err) {
      if (err instanceof ConflictError) return show(req, res, code, 409, { ...keep, error: err.message });
      throw err;
    }
    res.clearCookie(INVITE_COOKIE, cookie(req));
    if (!result.ok) return render(req, res, result.reason === 'unknown' ? 404 : 410, badInvitePage(result.reason));
    const scopes = result.role === 'admin' ? ['rate', 'admin'] : ['rate'];
    const session = await ctx.services.sessions.start(result.userId, scopes, 'link');
    await replaceSession(ctx, req, res, session);
    res.redirect(303, '/account/tokens?welcome=1');
  });
}
