/*
 * Windows golden images: the answer file and the domain definition that
 * install one. What they set, and why:
 *
 * - Windows Update delivers no drivers (policy ExcludeWUDriversInQuality
 *   Update, DriverSearching SearchOrderConfig 0, no device metadata): it
 *   would replace the drivers under test with the ones it publishes.
 * - No XenServer/XCP-ng vendor device in the domain, for the same reason.
 * - Test signing when the drivers are signed by a private CA (pvci keys).
 * - EMS on COM1: a bugcheck's text reaches the console log; minidumps on.
 * - The agent: copied from pvci's medium, started at boot by a scheduled
 *   task as SYSTEM, and started at once so its READY says "installed".
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-proto.h"
#include "log.h"
#include "util.h"
#include "windows-image.h"

static const struct win_edition editions[] = {
	{ "ws2016", "Windows Server 2016 SERVERDATACENTER", "CB7KF-BWN84-R7R2Y-793K2-8XDDG", 0 },
	{ "ws2019", "Windows Server 2019 SERVERDATACENTER", "WMDGN-G9PQG-XVVXX-R3X43-63DFG", 0 },
	{ "ws2022", "Windows Server 2022 SERVERDATACENTER", "WX4NM-KYWYW-QJJR4-XV3QB-6VM33", 0 },
	{ "ws2025", "Windows Server 2025 SERVERDATACENTER", "D764K-2NDRG-47T6Q-P8T8W-YP6DF", 0 },
	{ "win10", "Windows 10 Pro", "W269N-WFGWX-YVC9B-4J6C9-T83GX", 0 },
	{ "win11", "Windows 11 Pro", "W269N-WFGWX-YVC9B-4J6C9-T83GX", 1 },
};

const struct win_edition *
win_edition_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(editions) / sizeof(editions[0]); i++)
		if (strcmp(editions[i].name, name) == 0)
			return &editions[i];
	errorx("unknown Windows edition '%s' (known: %s)", name, WIN_EDITION_NAMES);
	return NULL;
}

#define PW_LEN 20
/* No XML, shell or cmd.exe specials, nothing that looks like another. */
static const char pw_upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
static const char pw_lower[] = "abcdefghijkmnopqrstuvwxyz";
static const char pw_digit[] = "23456789";
static const char pw_symbol[] = "-_.+";

char *
win_password_generate(void)
{
	const char *classes[4] = { pw_upper, pw_lower, pw_digit, pw_symbol };
	unsigned char rnd[PW_LEN];
	char *pw = xmalloc(PW_LEN + 1);
	size_t i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		errorx("no random bytes for a password (OpenSSL RAND_bytes failed)");
		free(pw);
		return NULL;
	}
	/* The first four cover every class; the rest mix upper, lower, digits. */
	for (i = 0; i < PW_LEN; i++) {
		const char *set = i < 4 ? classes[i] : classes[rnd[i] % 3];

		pw[i] = set[rnd[i] % strlen(set)];
	}
	pw[PW_LEN] = '\0';
	return pw;
}

int
win_password_is_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 12 || n > 64)
		return 0;
	/* Any letter or digit (a password set by hand), and our symbols. */
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr(pw_symbol, s[i]))
			return 0;
	return 1;
}

char *
win_password_encode(const char *password, const char *suffix)
{
	char *plain = xasprintf("%s%s", password, suffix), *out;
	size_t n = strlen(plain), i;
	unsigned char *utf16 = xmalloc(n * 2 + 1);

	/* ASCII only (win_password_is_valid): UTF-16LE is the byte and a zero. */
	for (i = 0; i < n; i++) {
		utf16[2 * i] = (unsigned char)plain[i];
		utf16[2 * i + 1] = 0;
	}
	out = agent_base64_encode(utf16, n * 2);
	free(utf16);
	free(plain);
	return out;
}

char *
win_expand(const char *tmpl, const char *what, const struct win_var *vars, size_t n)
{
	struct strbuf sb;
	const char *p = tmpl, *at, *end;

	strbuf_init(&sb);
	while ((at = strchr(p, '@')) != NULL) {
		size_t i, len;

		strbuf_add(&sb, p, (size_t)(at - p));
		end = strchr(at + 1, '@');
		len = end ? (size_t)(end - at - 1) : 0;
		if (end == NULL || len == 0 || len > 32 ||
		    strspn(at + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != len) {
			strbuf_add(&sb, "@", 1);	/* a lone '@', not a placeholder */
			p = at + 1;
			continue;
		}
		for (i = 0; i < n; i++)
			if (strlen(vars[i].name) == len && strncmp(vars[i].name, at + 1, len) == 0)
				break;
		if (i == n) {
			errorx("%s: unknown placeholder '@%.*s@'", what, (int)len, at + 1);
			strbuf_release(&sb);
			return NULL;
		}
		if (!vars[i].raw && strpbrk(vars[i].value, "<>&'\"")) {
			errorx("%s: the value of '@%s@' ('%s') has characters XML would misread",
			       what, vars[i].name, vars[i].value);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_adds(&sb, vars[i].value);
		p = end + 1;
	}
	strbuf_adds(&sb, p);
	return strbuf_detach(&sb);
}

/* cmd.exe text inside XML: only '&', '<' and '>' need escaping. */
static void
add_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			strbuf_adds(sb, "&amp;");
		else if (*s == '<')
			strbuf_adds(sb, "&lt;");
		else if (*s == '>')
			strbuf_adds(sb, "&gt;");
		else
			strbuf_add(sb, s, 1);
	}
}

/* <RunSynchronousCommand>s (elem "Path") or <SynchronousCommand>s ("CommandLine"). */
static char *
commands(const char *const *cmds, const char *outer, const char *elem, const char *indent)
{
	struct strbuf sb;
	int i;

	strbuf_init(&sb);
	for (i = 0; cmds[i]; i++) {
		strbuf_addf(&sb, "%s<%s wcm:action=\"add\">\n", indent, outer);
		strbuf_addf(&sb, "%s  <Order>%d</Order>\n", indent, i + 1);
		strbuf_addf(&sb, "%s  <%s>", indent, elem);
		add_escaped(&sb, cmds[i]);
		strbuf_addf(&sb, "</%s>\n", elem);
		strbuf_addf(&sb, "%s</%s>\n", indent, outer);
	}
	return strbuf_detach(&sb);
}

#define REG_DWORD_1(key, value) \
	"cmd.exe /c reg add \"" key "\" /v " value " /t REG_DWORD /d 1 /f"

char *
win_answer_file(const char *tmpl, const struct win_answer *a)
{
	static const char *const bypass[] = {
		REG_DWORD_1("HKLM\\SYSTEM\\Setup\\LabConfig", "BypassTPMCheck"),
		REG_DWORD_1("HKLM\\SYSTEM\\Setup\\LabConfig", "BypassSecureBootCheck"),
		REG_DWORD_1("HKLM\\SYSTEM\\Setup\\LabConfig", "BypassRAMCheck"),
		NULL,
	};
	const char *specialize[16];
	static const char *const first_logon[] = {
		"schtasks /create /tn pvci-agent /ru SYSTEM /sc onstart /rl highest "
		"/tr C:\\pvci\\pvci-agent.exe /f",
		"schtasks /run /tn pvci-agent",
		NULL,
	};
	char *pe = NULL, *pe_cmds, *spec, *logon, *admin, *autologon, *name, *out;
	int n = 0;

	if (!win_password_is_valid(a->password)) {
		errorx("the administrator password has characters or a length pvci does not "
		       "make (12..64 of A-Z a-z 0-9 - _ . +)");
		return NULL;
	}
	specialize[n++] = REG_DWORD_1("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate",
				      "ExcludeWUDriversInQualityUpdate");
	specialize[n++] = "cmd.exe /c reg add \"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion"
			  "\\DriverSearching\" /v SearchOrderConfig /t REG_DWORD /d 0 /f";
	specialize[n++] = REG_DWORD_1("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\Device Metadata",
				      "PreventDeviceMetadataFromNetwork");
	if (a->test_signing)
		specialize[n++] = "bcdedit.exe /set testsigning on";
	specialize[n++] = "bcdedit.exe /ems on";
	specialize[n++] = "bcdedit.exe /emssettings EMSPORT:1 EMSBAUDRATE:115200";
	specialize[n++] = "cmd.exe /c reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control"
			  "\\CrashControl\" /v CrashDumpEnabled /t REG_DWORD /d 3 /f";
	specialize[n++] = "cmd.exe /c mkdir C:\\pvci";
	specialize[n++] = "cmd.exe /c for %d in (D E F G H I J K L) do @if exist "
			  "%d:\\pvci-agent.exe copy /y %d:\\pvci-agent.exe C:\\pvci\\pvci-agent.exe";
	specialize[n] = NULL;

	if (a->edition->bypass_checks) {
		pe_cmds = commands(bypass, "RunSynchronousCommand", "Path", "        ");
		pe = xasprintf("      <RunSynchronous>\n%s      </RunSynchronous>\n", pe_cmds);
		free(pe_cmds);
	}
	spec = commands(specialize, "RunSynchronousCommand", "Path", "        ");
	logon = commands(first_logon, "SynchronousCommand", "CommandLine", "        ");
	admin = win_password_encode(a->password, "AdministratorPassword");
	autologon = win_password_encode(a->password, "Password");
	name = xasprintf("PVCI-%s", a->edition->name);
	{
		const struct win_var vars[] = {
			{ "EDITION", a->edition->name, 0 },
			{ "IMAGE_NAME", a->edition->image_name, 0 },
			{ "PRODUCT_KEY", a->edition->product_key, 0 },
			{ "COMPUTER_NAME", name, 0 },
			{ "PE_RUN", pe ? pe : "", 1 },
			{ "SPECIALIZE_COMMANDS", spec, 1 },
			{ "FIRST_LOGON_COMMANDS", logon, 1 },
			{ "ADMIN_PASSWORD_ENCODED", admin, 0 },
			{ "AUTOLOGON_PASSWORD_ENCODED", autologon, 0 },
		};

		out = win_expand(tmpl, "autounattend.xml.in", vars, sizeof(vars) / sizeof(vars[0]));
	}
	free(pe);
	free(spec);
	free(logon);
	free(admin);
	free(autologon);
	free(name);
	return out;
}

char *
win_domain_xml(const char *tmpl, const struct win_domain *d)
{
	char mem[16], cpus[16];
	const struct win_var vars[] = {
		{ "EDITION", d->edition->name, 0 },
		{ "NAME", d->name, 0 },
		{ "DOMAIN_TYPE", d->domain_type, 0 },
		{ "EMULATOR", d->emulator, 0 },
		{ "MEMORY_MIB", mem, 0 },
		{ "VCPUS", cpus, 0 },
		{ "DISK", d->disk, 0 },
		{ "ISO", d->iso, 0 },
		{ "MEDIA", d->media, 0 },
		{ "CONSOLE_LOG", d->console_log, 0 },
	};

	snprintf(mem, sizeof(mem), "%d", d->memory_mib);
	snprintf(cpus, sizeof(cpus), "%d", d->vcpus);
	return win_expand(tmpl, "domain.xml.in", vars, sizeof(vars) / sizeof(vars[0]));
}
