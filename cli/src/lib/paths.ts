import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CwsEnv } from './env.js';

export interface CwsPaths {
  /** `$CWS_CONFIG`, or `$XDG_CONFIG_HOME/cws/config.json`, or `~/.config/cws/config.json`. */
  configFile: string;
  /** User templates: `$CWS_TEMPLATES_DIR`, or `templates/` beside the config file. */
  templatesDir: string;
  /** `$CWS_CACHE_DIR`, or `$XDG_CACHE_HOME/cws`, or `~/.cache/cws`. */
  cacheDir: string;
  /** Launched instances and saves: `$CWS_STATE_DIR`, or `$XDG_STATE_HOME/cws`, or `~/.local/state/cws`. */
  stateDir: string;
}

export function resolvePaths(env: CwsEnv): CwsPaths {
  const home = env.HOME ?? homedir();
  const configFile = env.CWS_CONFIG ?? join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'cws', 'config.json');
  return {
    configFile,
    templatesDir: env.CWS_TEMPLATES_DIR ?? join(dirname(configFile), 'templates'),
    cacheDir: env.CWS_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'cws'),
    stateDir: env.CWS_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'cws'),
  };
}
