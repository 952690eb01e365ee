import AmiBrowse from './ami/browse.js';
import AmiInfo from './ami/info.js';
import AmiList from './ami/list.js';
import AmiRate from './ami/rate.js';
import AmiResolve from './ami/resolve.js';
import Login from './login.js';
import RegistryAdd from './registry/add.js';
import RegistryList from './registry/list.js';
import RegistryRemove from './registry/remove.js';
import TemplateInfo from './template/info.js';
import TemplateValidate from './template/validate.js';
import Templates from './templates.js';

/**
 * Every command, by id (oclif's explicit discovery: no folder scan at start-up, and safe to bundle).
 * Command modules import only oclif and the base command; their work is loaded when they run.
 */
export const COMMANDS = {
  'ami:browse': AmiBrowse,
  'ami:info': AmiInfo,
  'ami:list': AmiList,
  'ami:rate': AmiRate,
  'ami:resolve': AmiResolve,
  login: Login,
  'registry:add': RegistryAdd,
  'registry:list': RegistryList,
  'registry:remove': RegistryRemove,
  'template:info': TemplateInfo,
  'template:validate': TemplateValidate,
  templates: Templates,
};
