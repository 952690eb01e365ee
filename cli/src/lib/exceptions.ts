import { CwsError } from './errors.js';

/** "30d", "12h", or a date / date-time ("2027-01-31", ISO 8601) -> an ISO date-time in the future. */
export function parseExpiry(text: string, now = Date.now()): string {
  const rel = /^(\d{1,3})([dh])$/.exec(text.trim());
  const at = rel
    ? now + Number(rel[1]) * (rel[2] === 'd' ? 86_400_000 : 3_600_000)
    : /^\d{4}-\d{2}-\d{2}$/.test(text.trim())
      ? Date.parse(`${text.trim()}T23:59:59Z`)
      : Date.parse(text);
  if (!Number.isFinite(at) || at <= now) {
    throw new CwsError(
      `--expires must be a duration such as 30d or 12h, or a future date such as 2027-01-31, not "${text}"`,
      {
        code: 'usage',
      },
    );
  }
  return new Date(at).toISOString();
}
