import { SEVERITIES } from '@cws/shared/severities';
import { Flags } from '@oclif/core';

export { scanPolicyOf } from './scan-policy.js';

/** The scan-policy flags of `cws ami resolve` and `cws launch` (each overrides the template's ami_config.policy). */
export const scanPolicyFlags = {
  'max-severity': Flags.string({
    description:
      'the highest scan severity you accept in a registry image (findings accepted by an exception do not count) [default: the template’s ami_config.policy]',
    options: [...SEVERITIES],
  }),
  'severity-mode': Flags.string({
    description:
      'with --max-severity: warn resolves as usual and says what the scan found; block passes over images above it [default: warn]',
    options: ['warn', 'block'],
  }),
  'allow-unscanned': Flags.boolean({
    description: 'with --severity-mode block: take images that have no complete scan (they are refused otherwise)',
    allowNo: true,
  }),
  'revoked-lineage': Flags.string({
    description:
      'images built on a revoked image (saved from an instance of one): warn, or block them like revoked ones [default: the template’s ami_config.policy, else warn]',
    options: ['warn', 'block'],
  }),
};
