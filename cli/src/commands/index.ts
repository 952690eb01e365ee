import AdminAudit from './admin/audit.js';
import AdminMirror from './admin/mirror.js';
import AdminUser from './admin/user.js';
import AdminUsers from './admin/users.js';
import AmiAcknowledge from './ami/acknowledge.js';
import AmiAudit from './ami/audit.js';
import AmiBrowse from './ami/browse.js';
import AmiBuild from './ami/build.js';
import AmiBuildAll from './ami/build-all.js';
import AmiChannelList from './ami/channel/list.js';
import AmiChannelRm from './ami/channel/rm.js';
import AmiChannelSet from './ami/channel/set.js';
import AmiCleanup from './ami/cleanup.js';
import AmiDeprecate from './ami/deprecate.js';
import AmiExceptionAdd from './ami/exception/add.js';
import AmiExceptionList from './ami/exception/list.js';
import AmiExceptionRm from './ami/exception/rm.js';
import AmiFindings from './ami/findings.js';
import AmiInfo from './ami/info.js';
import AmiList from './ami/list.js';
import AmiPublish from './ami/publish.js';
import AmiRate from './ami/rate.js';
import AmiResolve from './ami/resolve.js';
import AmiRevoke from './ami/revoke.js';
import AmiScan from './ami/scan.js';
import AmiShare from './ami/share.js';
import AmiStatus from './ami/status.js';
import AmiTest from './ami/test.js';
import AmiVisibility from './ami/visibility.js';
import InstanceProfileCreate from './instance-profile/create.js';
import Launch from './launch.js';
import List from './list.js';
import Login from './login.js';
import Logout from './logout.js';
import OrgCreate from './org/create.js';
import OrgList from './org/list.js';
import OrgMember from './org/member.js';
import OrgShow from './org/show.js';
import OrgTokens from './org/tokens.js';
import RegistryAdd from './registry/add.js';
import RegistryList from './registry/list.js';
import RegistryRemove from './registry/remove.js';
import Save from './save.js';
import Start from './start.js';
import Stop from './stop.js';
import TemplateFetch from './template/fetch.js';
import TemplateInfo from './template/info.js';
import TemplateValidate from './template/validate.js';
import Templates from './templates.js';
import Terminate from './terminate.js';
import WebLogin from './web/login.js';

/**
 * Every command, by id (oclif's explicit discovery: no folder scan at start-up, and safe to bundle).
 * Command modules import only oclif and the base command; their work is loaded when they run.
 */
export const COMMANDS = {
  'admin:audit': AdminAudit,
  'admin:mirror': AdminMirror,
  'admin:user': AdminUser,
  'admin:users': AdminUsers,
  'ami:audit': AmiAudit,
  'ami:browse': AmiBrowse,
  'ami:build': AmiBuild,
  'ami:build-all': AmiBuildAll,
  'ami:channel:list': AmiChannelList,
  'ami:channel:rm': AmiChannelRm,
  'ami:channel:set': AmiChannelSet,
  'ami:cleanup': AmiCleanup,
  'ami:deprecate': AmiDeprecate,
  'ami:acknowledge': AmiAcknowledge,
  'ami:exception:add': AmiExceptionAdd,
  'ami:exception:list': AmiExceptionList,
  'ami:exception:rm': AmiExceptionRm,
  'ami:findings': AmiFindings,
  'ami:info': AmiInfo,
  'ami:list': AmiList,
  'ami:publish': AmiPublish,
  'ami:rate': AmiRate,
  'ami:resolve': AmiResolve,
  'ami:scan': AmiScan,
  'ami:status': AmiStatus,
  'ami:revoke': AmiRevoke,
  'ami:share': AmiShare,
  'ami:test': AmiTest,
  'ami:visibility': AmiVisibility,
  'instance-profile:create': InstanceProfileCreate,
  launch: Launch,
  list: List,
  login: Login,
  logout: Logout,
  'org:create': OrgCreate,
  'org:list': OrgList,
  'org:member': OrgMember,
  'org:show': OrgShow,
  'org:tokens': OrgTokens,
  'registry:add': RegistryAdd,
  'registry:list': RegistryList,
  'registry:remove': RegistryRemove,
  'template:fetch': TemplateFetch,
  'template:info': TemplateInfo,
  'template:validate': TemplateValidate,
  save: Save,
  start: Start,
  stop: Stop,
  templates: Templates,
  terminate: Terminate,
  'web:login': WebLogin,
};
