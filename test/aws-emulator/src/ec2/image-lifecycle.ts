/**
 * The owner's levers on an image's life: deprecation (EnableImageDeprecation / DisableImageDeprecation) and
 * disabling (DisableImage / EnableImage), with AWS's rules: only the owner may call them (a visible foreign image is
 * AuthFailure, an invisible one InvalidAMIID.NotFound), DeprecateAt is rounded to the minute, may not lie in the
 * past nor more than 10 years ahead (2 years after creation for a public image), and disabling makes the image
 * private (every launch permission removed) and unlaunchable until EnableImage, which does not restore the sharing.
 */
import { ApiError, invalidValue } from '../errors.js';
import { el } from '../xml.js';
import type { Ec2Handler } from './common.js';
import { ownedImage, required } from './common.js';

const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;

const enableImageDeprecation: Ec2Handler = (ctx) => {
  const img = ownedImage(ctx, required(ctx, 'ImageId'));
  const raw = required(ctx, 'DeprecateAt');
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed)) throw invalidValue('DeprecateAt', raw, 'Expected a date and time, YYYY-MM-DDTHH:MM:SSZ.');
  // "If you specify a value for seconds, Amazon EC2 rounds the seconds to the nearest minute."
  const at = Math.round(parsed / MINUTE) * MINUTE;
  const now = Date.now();
  // A minute of slack: "now", sent by a client and rounded, may land just before the server's clock.
  if (at < now - MINUTE) throw invalidValue('DeprecateAt', raw, 'The deprecation time cannot be in the past.');
  if (at > now + 10 * YEAR) {
    throw invalidValue('DeprecateAt', raw, 'The deprecation time cannot be more than 10 years from now.');
  }
  if (img.public && at > Date.parse(img.creationDate) + 2 * YEAR) {
    throw invalidValue(
      'DeprecateAt',
      raw,
      'The deprecation time of a public AMI cannot be more than 2 years after its creation date.',
    );
  }
  img.deprecationTime = new Date(at).toISOString();
  return el('return', 'true');
};

const disableImageDeprecation: Ec2Handler = (ctx) => {
  const img = ownedImage(ctx, required(ctx, 'ImageId'));
  img.deprecationTime = undefined;
  return el('return', 'true');
};

const disableImage: Ec2Handler = (ctx) => {
  const img = ownedImage(ctx, required(ctx, 'ImageId'));
  if (img.state !== 'available' && img.state !== 'disabled') {
    throw new ApiError(
      'IncorrectState',
      `The image '${img.imageId}' is ${img.state}; only an available image can be disabled.`,
    );
  }
  img.state = 'disabled';
  img.public = false;
  img.launchPermissions = [];
  return el('return', 'true');
};

const enableImage: Ec2Handler = (ctx) => {
  const img = ownedImage(ctx, required(ctx, 'ImageId'));
  if (img.state !== 'disabled' && img.state !== 'available') {
    throw new ApiError('IncorrectState', `The image '${img.imageId}' is ${img.state}, not disabled.`);
  }
  // Accounts that lost access when it was disabled do not get it back.
  img.state = 'available';
  return el('return', 'true');
};

export const imageLifecycleHandlers: Record<string, Ec2Handler> = {
  EnableImageDeprecation: enableImageDeprecation,
  DisableImageDeprecation: disableImageDeprecation,
  DisableImage: disableImage,
  EnableImage: enableImage,
};
