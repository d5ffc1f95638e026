// The YARA rules of the skill scanner (docs/skill-scanner.md lists each rule with its
// severity and reasons). Compiled once per process from this text. Each rule carries meta
// `id` (the finding's rule id), `severity` and `message`. Patterns stay within one line
// ([^\n]) so that a finding's line is where the pattern is, and the repeat bounds keep every
// regex linear in the input.

#include "skills/scan_rules.h"

namespace chitin::skills {

std::string_view yara_rule_source() {
  return R"YARA(
rule download_and_run {
  meta:
    id = "exec.download_and_run"
    severity = "critical"
    message = "downloads code and runs it in the same command (curl | sh style)"
  strings:
    $pipe_shell = /\b(curl|wget|fetch)\s[^\n|;]{0,300}\|\s*(sudo\s+)?(-E\s+)?(ba|z|da|k|fi)?sh\b/ nocase
    $pipe_interp = /\b(curl|wget)\s[^\n|;]{0,300}\|\s*(sudo\s+)?(python3?|perl|ruby|node)\b/
    $subst = /\b(ba|z)?sh\s+(-c\s+)?["']?\$\(\s*(curl|wget)\s/
    $procsub = /\b((ba|z)?sh|source|\.)\s+<\(\s*(curl|wget)\s/
    $iex = /\b(iex|Invoke-Expression)\b[^\n]{0,60}(iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString|Net\.WebClient)/ nocase
    $iex_pipe = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\b[^\n]{0,300}\|\s*(iex|Invoke-Expression)\b/ nocase
    $py_exec = /\bexec\s*\(\s*(requests\.get|urllib\.request\.urlopen|urlopen)\s*\(/
    $mshta = /\bmshta(\.exe)?\s+["']?https?:/ nocase
    $regsvr = /\bregsvr32[^\n]{0,80}\/i:\s*https?:/ nocase
    $pipe_fetch = /(https?:\/\/|\s-fsSL?\s|\s-sSL\s|\s-qO-|\s-O-\s|\s-O\s+-\s)[^\n|;]{0,300}\|\s*(sudo\s+)?(ba|z|da)?sh\b/
    $pipe_shell_var = /\|\s*"?\$\{?SHELL\b/
  condition:
    any of them
}

rule download_chmod_run {
  meta:
    id = "exec.download_and_run"
    severity = "high"
    message = "downloads a file, makes it executable and runs it"
  strings:
    $dl = /\b(curl|wget)\s[^\n]{0,300}(\s-[a-zA-Z]*o\s|\s-O\s|\s-[a-zA-Z]*LO\b|--output[ =]|>\s*\S)/
    $dl_flags = /\s-fsSL?\s[^\n]{0,200}\s-o\s/
    $chmod = /\bchmod\s+(\+x|[0-7]?[157][0-7][0-7]\b|[ugoa]+\+[rw]*x)/
  condition:
    ($dl or $dl_flags) and $chmod
}

rule decode_and_run {
  meta:
    id = "exec.decode_and_run"
    severity = "critical"
    message = "decodes hidden text and runs it (base64/hex to a shell or eval)"
  strings:
    $b64_sh = /\bbase64\s+(-d|--decode|-D)\b[^\n]{0,80}\|\s*(sudo\s+)?(ba|z|da)?sh\b/
    $xxd_sh = /\bxxd\s+-r(\s+-p)?[^\n]{0,60}\|\s*(sudo\s+)?(ba|z|da)?sh\b/
    $py = /\b(exec|eval)\s*\(\s*(base64\.b64decode|base64\.b32decode|codecs\.decode|bytes\.fromhex|zlib\.decompress|marshal\.loads|binascii\.unhexlify)/
    $py_compile = /\bexec\s*\(\s*compile\s*\(\s*(base64|codecs|zlib)/
    $js = /\b(eval|Function)\s*\(\s*(atob|Buffer\.from|unescape)\s*\(/
    $ps = /powershell(\.exe)?[^\n]{0,80}\s-(e|en|enc|encodedcommand)\s+[A-Za-z0-9+\/=]{20}/ nocase
    $eval_subst = /\beval\s+["']?\$\(\s*(echo|printf)[^\n]{0,400}(base64|xxd)/
  condition:
    any of them
}

rule reverse_shell {
  meta:
    id = "shell.reverse_shell"
    severity = "critical"
    message = "opens a reverse shell (gives a remote machine a shell on this one)"
  strings:
    $devtcp = /\/dev\/(tcp|udp)\/[A-Za-z0-9.\-_${}]{1,80}\/[0-9${}A-Za-z_]{1,20}/
    $nc = /\b(nc|ncat|netcat)(\.traditional)?\b[^\n]{0,80}\s-[a-z]*[ec]\s*["']?\/?(usr\/)?(bin\/)?(ba|z|da)?sh\b/
    $socat = /\bsocat\b[^\n]{0,200}\bexec:/ nocase
    $pty = /\bpty\.spawn\s*\(/
    $dup2 = /\bos\.dup2\s*\([^\n]{0,60}fileno\s*\(\s*\)/
    $fifo = /\bmkfifo\b[^\n]{0,200}\b(nc|ncat|netcat|telnet|openssl\s+s_client)\b/
    $bash_i = /\b(ba|z)?sh\s+-i\s*(>&|&>|>\s*&)/
    $ps_tcp = /New-Object\s+System\.Net\.Sockets\.TCPClient/ nocase
    $socat_addr = /tcp[46]?:[^\n]{0,80}\bexec:/ nocase
    $py_shell = /subprocess\.(call|Popen|run)\s*\(\s*\[\s*["']\/bin\/(ba)?sh["']\s*,\s*["']-i["']/
  condition:
    any of them
}

rule fifo_relay {
  meta:
    id = "shell.reverse_shell"
    severity = "critical"
    message = "relays a shell through a FIFO and netcat (a reverse shell)"
  strings:
    $fifo = /\bmkfifo\b/
    $nc = /\|\s*(nc|ncat|netcat)\s/
    $shell_i = /\s-i\s[^\n]{0,40}\|/
  condition:
    $fifo and $nc and $shell_i
}

rule credential_paths {
  meta:
    id = "credentials.path_access"
    severity = "high"
    message = "refers to credential stores outside the skill (SSH/cloud keys, browser or keychain secrets, agent config)"
  strings:
    $ssh_key = /\.ssh\/(id_(rsa|dsa|ecdsa|ed25519)|authorized_keys|config)\b/
    $ssh_dir = /(~|\$HOME|\$\{HOME\}|\/root|\/home\/[^\/\s]{1,40}|home\(\)\s*\/\s*["']|expanduser\(\s*["']~)\/?\.ssh\b/
    $ssh_join = /["']\.ssh["']/
    $aws = /\.aws\/(credentials|config)\b/
    $kube = /\.kube\/config\b/
    $docker = /\.docker\/config\.json/
    $netrc = /\.(git-credentials|netrc|pgpass)\b/
    $gnupg = /\.gnupg\b/
    $gcloud = /\.config\/gcloud\/(credentials|application_default|access_tokens|legacy_credentials)/
    $azure = /\.azure\/(accessTokens|msal_token_cache)/
    $chrome1 = /(Login Data|Web Data|Local State|Cookies)["']?[^\n]{0,80}(Chrome|Chromium|Brave|Edge|Opera|Vivaldi)/
    $chrome2 = /(Google\/Chrome|google-chrome|chromium|BraveSoftware|Microsoft\/Edge)[^\n]{0,120}(Login Data|Cookies|Local State|Web Data)/ nocase
    $firefox = /\b(logins\.json|key[34]\.db|cookies\.sqlite|signons\.sqlite)\b/
    $keychain = /\bsecurity\s+(find-generic-password|find-internet-password|dump-keychain)\b/
    $keychain_file = /(login\.keychain|Library\/Keychains)/
    $agent_cfg = /\.(openclaw|clawdbot|clawdis|moltbot)\/([A-Za-z]+\.json|\.env|credentials|auth|agents\/)/
    $chitin = /(\.chitin\/|\bCHITIN_HOME\b)/
    $wallet = /(wallet\.dat|\.electrum\/|exodus\.wallet|\.bitcoin\/|solana\/id\.json|Local Extension Settings\/nkbihfbeogaeaoehlefnkodbefgpgknn)/
    $shadow = /\/etc\/(shadow|gshadow|sudoers)\b/
    $dotenv_outside = /((~|\$HOME|\$\{HOME\}|\.\.)\/\.env\b|-name\s+["']?\.env\b|glob\s*\([^\n]{0,60}\.env\b|\*\*\/\.env\b)/
  condition:
    any of them
}

rule exfil_endpoints {
  meta:
    id = "exfil.endpoint"
    severity = "high"
    message = "sends to a webhook, paste, tunnel or file-drop service often used to exfiltrate data"
  strings:
    $discord = /discord(app)?\.com\/api\/webhooks/ nocase
    $telegram = /api\.telegram\.org\/bot/ nocase
    $slack = /hooks\.slack\.com\/(services|workflows)/ nocase
    $paste = /\b(pastebin\.com|paste\.ee|hastebin\.com|ghostbin\.|dpaste\.(org|com)|glot\.io|rentry\.(co|org)|privatebin\.|pastes\.io|controlc\.com|termbin\.com)/ nocase
    $drop = /\b(webhook\.site|requestbin\.|pipedream\.net|transfer\.sh|file\.io\b|0x0\.st|temp\.sh|bashupload\.com|anonfiles\.com|gofile\.io|catbox\.moe)/ nocase
    $tunnel = /\b(ngrok(-free)?\.(io|app|dev)|trycloudflare\.com|serveo\.net|localtunnel\.me|loca\.lt|localhost\.run)/ nocase
    $oast = /\b(interact\.sh|oast\.(pro|live|site|online|fun|me)|oastify\.com|burpcollaborator\.net|canarytokens\.com|dnslog\.cn)/ nocase
  condition:
    any of them
}

rule upload_local_file {
  meta:
    id = "exfil.upload_local_file"
    severity = "medium"
    message = "uploads a local file with curl/wget"
  strings:
    $curl = /\bcurl\s[^\n]{0,200}(\s-d|\s--data(-binary|-raw|-urlencode)?|\s-F|\s--form|\s-T|\s--upload-file)\s*[ =]?["']?[a-zA-Z_]*=?@/
    $wget = /\bwget\s[^\n]{0,200}--post-file/
  condition:
    any of them
}

rule persistence {
  meta:
    id = "persistence.autostart"
    severity = "high"
    message = "installs itself to run again later (cron, shell start-up files, launch agents, services)"
  strings:
    $cron1 = /\|\s*crontab\s+-(\s|$)/
    $cron2 = /\bcrontab\s+-(e|r)\b/
    $cron3 = /\/etc\/cron\.|\/var\/spool\/cron|\/etc\/crontab/
    $rc = /(>>|>|tee\s+(-a\s+)?)\s*["']?(~|\$HOME|\$\{HOME\})\/\.(bashrc|zshrc|profile|bash_profile|bash_login|zprofile|zshenv|zlogin|config\/fish\/config\.fish)\b/
    $rc_py = /open\s*\([^\n]{0,100}\.(bashrc|zshrc|profile|bash_profile|zprofile)["'][^\n]{0,40}["']a\+?["']/
    $launch = /Library\/(LaunchAgents|LaunchDaemons)/
    $launchctl = /\blaunchctl\s+(load|bootstrap|submit)\b/
    $systemd1 = /\bsystemctl\s+(--user\s+)?enable\b/
    $systemd2 = /(systemd\/user\b|\/etc\/systemd\/system\/)/
    $systemd3 = /\s--user\s+enable\b|\bloginctl\s+enable-linger\b|WantedBy=(default|multi-user)\.target/
    $desktop = /X-GNOME-Autostart|\[Desktop Entry\][^\n]{0,200}Exec=/
    $autostart = /\.config\/autostart/
    $schtasks = /\bschtasks(\.exe)?\s+\/create/ nocase
    $runkey = /CurrentVersion\\+Run/ nocase
    $rclocal = /\/etc\/(rc\.local|profile\.d\/)/
    $authkeys = /(>>|tee\s+-a)[^\n]{0,80}authorized_keys/
  condition:
    any of them
}

rule disable_security {
  meta:
    id = "agent.disable_security"
    severity = "high"
    message = "tells the agent or user to switch off a safety control (approvals, sandbox, OS protections)"
  strings:
    $ask_off = /\bask\s*[=:]\s*["']?off\b/
    $sec_full = /\bsecurity\s*[=:]\s*["']?full\b/
    $dangerously = /dangerously[-_]?(skip|allow|disable|bypass|permit)/ nocase
    $dangerously_cfg = /\bdangerously_[a-z_]+\s*=\s*true/
    $spctl = /\bspctl\s+--master-disable/
    $prose = /\b(disable|turn\s+off|switch\s+off|deactivate|bypass|skip|circumvent)\s+(the\s+|all\s+|any\s+|your\s+)?(sandbox(ing)?|approvals?|approval\s+prompts?|security\s+(checks?|warnings?|prompts?|features?)|safety\s+(checks?|filters?)|confirmations?|gatekeeper|windows\s+defender|defender|antivirus|firewall|selinux|apparmor|audit\s+log(ging)?)\b/ nocase
    $mp = /Set-MpPreference\s+-Disable/ nocase
    $os = /\b(setenforce\s+0|ufw\s+disable|systemctl\s+(stop|disable)\s+(apparmor|firewalld|auditd))\b/
    $sandbox_off = /\bsandbox\s*[=:]\s*["']?(off|false|none|disabled)\b/ nocase
    $elevated = /\b(tools\.elevated|elevated\s*[=:]\s*["']?(full|on|true))/
    $auto_approve = /\b(auto[-_ ]?approve\s+(all|every|everything)|yolo\s+mode|approve\s+all\s+(commands|actions|tool\s+calls))\b/ nocase
  condition:
    any of them
}

rule quarantine_bypass_with_download {
  meta:
    id = "agent.disable_security"
    severity = "high"
    message = "downloads a program and strips the macOS quarantine flag so Gatekeeper never checks it"
  strings:
    $xattr = /\bxattr\s+(-[a-z]*[dcr][a-z]*\s+)+[^\n]{0,60}(com\.apple\.quarantine)?/
    $download = /\b(curl|wget)\s|https?:\/\//
  condition:
    $xattr and $download
}

rule quarantine_bypass {
  meta:
    id = "macos.quarantine_removal"
    severity = "medium"
    message = "removes the macOS quarantine attribute"
  strings:
    $xattr = /\bxattr\s+[^\n]{0,40}com\.apple\.quarantine/
  condition:
    $xattr
}

rule prompt_injection {
  meta:
    id = "agent.prompt_injection"
    severity = "high"
    message = "text aimed at the agent to override its instructions or hide actions from the user"
  strings:
    $ignore = /\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(of\s+)?(the\s+|your\s+)?(previous|prior|above|earlier|preceding|existing|system|original)\s+(instructions?|prompts?|rules|directives|guidelines|messages)/ nocase
    $dont_tell = /\b(do\s+not|don'?t|never)\s+(tell|inform|mention\s+(this\s+|it\s+)?to|notify|alert|warn|show|reveal\s+(this\s+|it\s+)?to)\s+(this\s+to\s+)?the\s+user/ nocase
    $without = /\bwithout\s+(telling|informing|asking|notifying|alerting|the\s+user'?s?\s+(knowledge|consent|approval))/ nocase
    $do_silently = /\b(do|perform|run|complete)\s+(this|these|it|them|all\s+of\s+this)\s+(silently|secretly|quietly|covertly)\b/ nocase
    $silently = /\b(silently|secretly|covertly|quietly|discreetly)\s+(upload|send|run|execute|install|copy|post|exfiltrate|delete|forward|transmit|add|append|write|download|collect|read)/ nocase
    $mode = /\b(you\s+are\s+now\s+(in\s+)?|enable\s+|activate\s+|enter\s+)(developer|unrestricted|jailbreak|god|dan)\s+mode/ nocase
    $system = /(system\s+override|new\s+system\s+prompt|<\|im_start\|>|<\/?system>|\[\/?INST\])/ nocase
    $reveal = /\b(reveal|print|output|leak|repeat)\s+(your|the)\s+(system\s+prompt|hidden\s+instructions|initial\s+instructions)/ nocase
    $approved = /\bthe\s+user\s+(has\s+)?(already\s+)?(pre-?)?(approved|authorized|authorised|consented\s+to)\s+(this|these|all|every)/ nocase
    $hide = /\b(hide|conceal)\s+(this|these|the|all)\s+(steps?|actions?|commands?|outputs?|instructions?|requests?)\s+from\s+the\s+user/ nocase
  condition:
    any of them
}

rule memory_edit {
  meta:
    id = "agent.memory_edit"
    severity = "high"
    message = "writes to the agent's persona or memory files (a persistent backdoor in its behaviour)"
  strings:
    $shell = /(>>?|\btee(\s+-a)?|\bsed\s+-i)[^\n]{0,100}\b(SOUL|MEMORY|AGENTS|USER|TOOLS|IDENTITY|HEARTBEAT|BOOTSTRAP|BOOT|CLAUDE)\.md\b/
    $copy = /\b(cp|mv|install)\s[^\n]{0,100}\s\S*\b(SOUL|MEMORY|AGENTS|IDENTITY|HEARTBEAT|BOOTSTRAP)\.md\s*$/
    $py = /open\s*\([^\n]{0,120}(SOUL|MEMORY|AGENTS|USER|TOOLS|IDENTITY|HEARTBEAT|BOOTSTRAP)\.md["'][^\n]{0,40}["'](a|w|a\+|w\+|r\+)["']/
    $api = /\b(writeFileSync|appendFileSync|write_text|writeFile|appendFile|write_bytes)\s*\([^\n]{0,120}(SOUL|MEMORY|AGENTS|USER|TOOLS|IDENTITY|HEARTBEAT)\.md/
    $path_api = /(SOUL|MEMORY|AGENTS|IDENTITY|HEARTBEAT)\.md["']\s*\)?\s*\.\s*(write_text|write|open\(\s*["']a)/
    $prose_add = /\b(add|append|write|insert|save|put|place|record|store|include)\b[^\n]{0,100}\b(to|into|in|inside|under)\s+(your\s+|the\s+)?[`'"*]*(SOUL|MEMORY|AGENTS|USER|IDENTITY|TOOLS|HEARTBEAT)\.md\b/ nocase
    $prose_edit = /\b(modify|edit|update|change|overwrite|replace|rewrite)\s+(the\s+contents?\s+of\s+)?(your\s+|the\s+)?[`'"*]*(SOUL|MEMORY|AGENTS|IDENTITY|HEARTBEAT|USER|TOOLS)\.md\b/ nocase
    $prose_own = /\b(edit|modify|update|overwrite|rewrite|change)\s+your\s+(own\s+)?(memory|persona|identity|soul)\s+files?\b/ nocase
    $agent_ws = /\.(openclaw|clawdbot|clawdis|moltbot)\/workspace\b/
    $py_memory = /["']memory["']\s*,[^\n]{0,60}\.md["']/
    $daily = /(>>?|\btee)[^\n]{0,80}\bmemory\/[0-9-]{4,}\.md/
  condition:
    any of them
}

rule archive_password {
  meta:
    id = "archive.password_protected"
    severity = "high"
    message = "asks for a password-protected archive (hides its contents from scanners)"
  strings:
    $unzip = /\bunzip\s[^\n]{0,60}-P\s*\S+/
    $sevenz = /\b7z[az]?(\.exe)?\s+[xe]\s[^\n]{0,120}\s-p\S+/
    $unrar = /\bunrar\s[^\n]{0,60}\s-p\S+/
    $prose1 = /(\.zip|\.rar|\.7z|archive|压缩包)[^\n]{0,120}(password|passphrase|passcode|密码)/ nocase
    $prose2 = /(password|passphrase|passcode|密码)[^\n]{0,120}(\.zip|\.rar|\.7z|\barchive\b|压缩包)/ nocase
    $py = /(setpassword\s*\(|extractall\s*\([^\n]{0,80}pwd\s*=)/
  condition:
    any of them
}

rule tls_disabled {
  meta:
    id = "tls.verification_disabled"
    severity = "medium"
    message = "turns off TLS certificate verification"
  strings:
    $curl = /\bcurl\s[^\n]{0,200}\s(-k|--insecure)\b/
    $py = /\bverify\s*=\s*False\b/
    $node = /NODE_TLS_REJECT_UNAUTHORIZED[^\n]{0,6}0/
    $wget = /--no-check-certificate/
    $js = /rejectUnauthorized\s*:\s*false/
    $go = /InsecureSkipVerify\s*:\s*true/
  condition:
    any of them
}

rule privilege_sudo {
  meta:
    id = "privilege.sudo"
    severity = "medium"
    message = "runs commands as root (sudo/doas)"
  strings:
    $sudo = /(^|[;&|`(]\s*|\s)(sudo|doas)\s+\S/
  condition:
    $sudo
}
)YARA";
}

}  // namespace chitin::skills
