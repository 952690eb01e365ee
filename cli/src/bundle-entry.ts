// The one file cli/scripts/bundle.mjs bundles (as dist/bundle/commands.js): the command list that oclif's explicit
// discovery reads (package.json "oclif.commands"), our command_not_found hook ("oclif.hooks"), and oclif's entry
// point, so `bin/run.cjs` loads oclif from the bundle as well.
export { execute } from '@oclif/core';
export { COMMANDS } from './commands/index.js';
export { commandNotFound } from './hooks/not-found.js';
