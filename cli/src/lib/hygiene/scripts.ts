/**
 * The in-image hygiene check and the clean-up `cws ami build` runs before imaging, as shell scripts for
 * AWS-RunShellScript (run as root). Every path goes through `$R`, empty on a real instance; the project's AWS emulator
 * sets CWS_EMULATOR_ROOT to the folder that stands for the instance's disk.
 *
 * The check prints one line per finding: `CWS-FINDING<TAB>check<TAB>file<TAB>what to do`.
 */

const PRELUDE = `set -u
R="\${CWS_EMULATOR_ROOT:-}"
homes() { for h in "$R/root" "$R"/home/*; do [ -d "$h" ] && printf '%s\\n' "$h"; done; }
show() { printf '%s\\n' "\${1#"$R"}"; }
`;

const HISTORY_FILES = [
  '.bash_history',
  '.zsh_history',
  '.history',
  '.sh_history',
  '.python_history',
  '.psql_history',
  '.mysql_history',
  '.sqlite_history',
  '.node_repl_history',
  '.local/share/fish/fish_history',
];
const SECRET_FILES = ['.netrc', '.pgpass', '.git-credentials', '.config/git/credentials', '.my.cnf'];
const CLOUD_FILES = [
  '.aws/credentials',
  '.config/gcloud/credentials.db',
  '.config/gcloud/application_default_credentials.json',
  '.config/gcloud/legacy_credentials',
  '.azure/accessTokens.json',
  '.azure/msal_token_cache.json',
  '.docker/config.json',
  '.kube/config',
];

/** `launchEpoch`: when the checking instance started (a host key older than that was baked into the image). */
export function checkScript(opts: { instanceId: string; launchEpoch: number }): string {
  return `${PRELUDE}INSTANCE_ID='${opts.instanceId.replace(/[^a-z0-9-]/g, '')}'
LAUNCH_EPOCH=${Math.floor(opts.launchEpoch)}
find_() { printf 'CWS-FINDING\\t%s\\t%s\\t%s\\n' "$1" "\${2#"$R"}" "$3"; }
for h in $(homes); do
  for f in "$h/.ssh/authorized_keys" "$h/.ssh/authorized_keys2"; do
    if [ -f "$f" ] && grep -qvE '^[[:space:]]*(#|$)' "$f"; then
      find_ authorized_keys "$f" "remove it (rm $(show "$f")): whoever holds the matching private key could log in to every instance of this image; EC2 installs the launcher's own key at boot"
    fi
  done
  find "$h" -maxdepth 4 -type f -size -64k 2>/dev/null | while read -r f; do
    if head -c 64 "$f" 2>/dev/null | grep -qE -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----|-----BEGIN OPENSSH PRIVATE KEY-----'; then
      find_ private_key "$f" "delete it (rm $(show "$f")) and rotate the key: anyone launching the image can read it"
    fi
  done
  for rel in ${CLOUD_FILES.join(' ')}; do
    f="$h/$rel"
    [ -s "$f" ] && find_ cloud_credentials "$f" "delete it (rm $(show "$f")) and revoke the credentials; give instances a role instead"
  done
  if [ -s "$h/.aws/config" ] && grep -qiE 'aws_secret_access_key|aws_session_token' "$h/.aws/config"; then
    find_ cloud_credentials "$h/.aws/config" "remove the keys from it and revoke them; give instances a role instead"
  fi
  for rel in ${HISTORY_FILES.join(' ')}; do
    f="$h/$rel"
    [ -s "$f" ] && find_ shell_history "$f" "delete it (rm $(show "$f")): histories often hold passwords, tokens and host names"
  done
  for rel in ${SECRET_FILES.join(' ')}; do
    f="$h/$rel"
    [ -s "$f" ] && find_ stored_password "$f" "delete it (rm $(show "$f")) and change the passwords it holds"
  done
done
# sshd takes the first value it reads; Ubuntu's sshd_config includes sshd_config.d/*.conf first. Default: yes.
pw=""
for f in "$R"/etc/ssh/sshd_config.d/*.conf "$R/etc/ssh/sshd_config"; do
  [ -f "$f" ] || continue
  v=$(grep -iE '^[[:space:]]*PasswordAuthentication[[:space:]]+' "$f" | head -n1 | awk '{print tolower($2)}')
  if [ -n "$v" ]; then pw="$v"; pwfile="$f"; break; fi
done
if [ -f "$R/etc/ssh/sshd_config" ] && [ "$pw" != "no" ]; then
  find_ ssh_password_login "\${pwfile:-$R/etc/ssh/sshd_config}" "set 'PasswordAuthentication no' (e.g. in /etc/ssh/sshd_config.d/60-cloudimg-settings.conf): password login invites brute force"
fi
if [ -r "$R/etc/shadow" ]; then
  awk -F: '$2 != "" && $2 !~ /^[!*]/ {print $1}' "$R/etc/shadow" | while read -r u; do
    find_ user_password "/etc/shadow" "user $u has a password that every copy of the image shares: lock it (passwd -l $u)"
  done
fi
for f in "$R"/etc/ssh/ssh_host_*_key; do
  [ -f "$f" ] || continue
  if [ "$(stat -c %Y "$f")" -lt "$LAUNCH_EPOCH" ]; then
    find_ ssh_host_key "$f" "delete the host keys before imaging (rm /etc/ssh/ssh_host_*): every instance would share them, so one could impersonate another"
  fi
done
for d in "$R"/var/lib/cloud/instances/*; do
  [ -d "$d" ] || continue
  [ "$(basename "$d")" = "$INSTANCE_ID" ] && continue
  find_ cloud_init_state "$d" "run 'cloud-init clean --logs' before imaging: state from the build instance makes cloud-init skip first-boot set-up"
done
if grep -qE '^ssm-user:' "$R/etc/passwd" 2>/dev/null || [ -f "$R/etc/sudoers.d/ssm-agent-users" ]; then
  find_ builder_user "/etc/passwd" "remove the build's user: userdel -r ssm-user; rm -f /etc/sudoers.d/ssm-agent-users"
fi
echo "CWS-HYGIENE-DONE"
`;
}

/** What `cws ami build` removes before imaging, so a built image passes the check. Prints what it removed. */
export function cleanScript(): string {
  return `${PRELUDE}rmv() { if [ -e "$1" ] || [ -L "$1" ]; then rm -rf -- "$1" && echo "removed $(show "$1")"; fi; }
for h in $(homes); do
  rmv "$h/.ssh/authorized_keys"; rmv "$h/.ssh/authorized_keys2"
  for f in "$h"/.ssh/*; do
    [ -f "$f" ] && head -c 64 "$f" 2>/dev/null | grep -qE -- 'PRIVATE KEY-----' && rmv "$f"
  done
  for rel in ${[...CLOUD_FILES, ...HISTORY_FILES, ...SECRET_FILES].join(' ')}; do rmv "$h/$rel"; done
done
for f in "$R"/etc/ssh/ssh_host_*; do rmv "$f"; done
if [ -z "$R" ] && command -v cloud-init >/dev/null 2>&1; then cloud-init clean --logs && echo "cloud-init clean --logs"
else rmv "$R/var/lib/cloud/instances"; rmv "$R/var/lib/cloud/instance"; rmv "$R/var/log/cloud-init.log"; rmv "$R/var/log/cloud-init-output.log"; fi
if grep -qE '^ssm-user:' "$R/etc/passwd" 2>/dev/null; then
  if [ -z "$R" ]; then userdel -r ssm-user 2>/dev/null && echo "removed user ssm-user"
  else sed -i '/^ssm-user:/d' "$R/etc/passwd" "$R/etc/shadow" "$R/etc/group" 2>/dev/null; rmv "$R/home/ssm-user"; echo "removed user ssm-user"; fi
fi
rmv "$R/etc/sudoers.d/ssm-agent-users"
[ -z "$R" ] && history -c 2>/dev/null
echo "CWS-CLEAN-DONE"
`;
}

export interface HygieneFinding {
  check: string;
  file: string;
  fix: string;
}

export function parseFindings(stdout: string): { findings: HygieneFinding[]; complete: boolean } {
  const findings: HygieneFinding[] = [];
  const seen = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('CWS-FINDING\t')) continue;
    const [, check = '', file = '', fix = ''] = line.split('\t');
    const key = `${check}\t${file}\t${fix}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({ check, file, fix });
  }
  return { findings, complete: stdout.includes('CWS-HYGIENE-DONE') };
}
