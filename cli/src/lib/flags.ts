import { REGION_PATTERN } from '@cws/shared/validators';
import { CwsError } from './errors.js';

/** "2", "0.5", "1.5s" -> milliseconds. */
export function parseSeconds(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(text.trim());
  const seconds = m ? Number(m[1]) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 120) {
    throw new CwsError(`${flag} must be a number of seconds between 0.1 and 120, not "${text}"`, {
      code: 'usage',
    });
  }
  return Math.round(seconds * 1000);
}

/** A rating threshold, 0 to 5 (decimals allowed), or undefined when the flag is absent. */
export function parseRating(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 5) {
    throw new CwsError(`${flag} must be a number from 0 to 5, not "${text}"`, { code: 'usage' });
  }
  return value;
}

/** An AWS region name, checked before any request (a registry would refuse it with a less direct message). */
export function parseRegion(text: string | undefined, flag = '--region'): string | undefined {
  if (text === undefined) return undefined;
  if (!REGION_PATTERN.test(text)) {
    throw new CwsError(`${flag} must be an AWS region name such as us-east-1, not "${text}"`, {
      code: 'usage',
      suggestions: ['list the regions with: aws ec2 describe-regions --query "Regions[].RegionName"'],
    });
  }
  return text;
}
