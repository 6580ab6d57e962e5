/*
 * pvci-agent.exe: the guest side of guest-images/AGENT.md for Windows.
 *
 *   pvci-agent.exe [PORT]        serve the protocol on PORT (default \\.\COM2)
 *   pvci-agent.exe --sleep N     sleep N seconds (a command for tests)
 *   pvci-agent.exe --emit N      write N bytes to standard output (tests)
 *
 * Cross-built with mingw-w64 from this file and pvci's own protocol layer
 * (ci-runner/src/guest/agent-proto.c), so host and guest share one
 * implementation of the framing. It needs nothing but the Win32 API: no
 * PowerShell, no .NET. The image starts it at boot as SYSTEM from a
 * scheduled task (autounattend.xml), and it runs until shutdown.
 *
 * One request at a time, in order (AGENT.md). Commands run through
 * cmd.exe with their output in a temporary file, so a child that keeps
 * the handle open cannot hold the reply back; RUNLIM puts the command in a
 * job object and terminates the whole job at the limit.
 */
#define _CRT_RAND_S
#define __USE_MINGW_ANSI_STDIO 1
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent-proto.h"

#define AGENT_VERSION	"win-1"
#define DEFAULT_PORT	"\\\\.\\COM2"
#define BOOT_KEY	"SOFTWARE\\pvci-agent-boot"	/* volatile: gone at reboot */
#define DRIVERS_LIMIT	300
#define CMDLINE_MAX	32767

static HANDLE port = INVALID_HANDLE_VALUE;
static const char *port_path = DEFAULT_PORT;
static char boot_id[AGENT_BOOT_ID_MAX + 1];

static void
logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("pvci-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ---- the serial port ---- */

static void
port_open(void)
{
	COMMTIMEOUTS to = { 0 };
	DCB dcb = { 0 };
	int warned = 0;

	for (;;) {
		port = CreateFileA(port_path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
				   OPEN_EXISTING, 0, NULL);
		if (port != INVALID_HANDLE_VALUE)
			break;
		/* At boot the port may come up after us: wait for it. */
		if (!warned++)
			logmsg("cannot open '%s' (error %lu), retrying", port_path,
			       GetLastError());
		Sleep(2000);
	}
	dcb.DCBlength = sizeof(dcb);
	if (GetCommState(port, &dcb)) {
		dcb.BaudRate = CBR_115200;
		dcb.ByteSize = 8;
		dcb.Parity = NOPARITY;
		dcb.StopBits = ONESTOPBIT;
		dcb.fBinary = TRUE;
		dcb.fOutxCtsFlow = FALSE;
		dcb.fOutxDsrFlow = FALSE;
		dcb.fDtrControl = DTR_CONTROL_ENABLE;
		dcb.fRtsControl = RTS_CONTROL_ENABLE;
		dcb.fOutX = FALSE;
		dcb.fInX = FALSE;
		if (!SetCommState(port, &dcb))
			logmsg("'%s': cannot set 115200 8N1 (error %lu), going on", port_path,
			       GetLastError());
	}
	/*
	 * A read waits for a first byte as long as it takes, then returns
	 * after a pause of 10 ms. (The MAXDWORD/MAXDWORD form, "return what is
	 * there", waits out its whole constant under Wine: a second a request.)
	 */
	to.ReadIntervalTimeout = 10;
	to.ReadTotalTimeoutMultiplier = 0;
	to.ReadTotalTimeoutConstant = 0;
	to.WriteTotalTimeoutConstant = 10000;
	if (!SetCommTimeouts(port, &to))
		logmsg("'%s': cannot set timeouts (error %lu), going on", port_path,
		       GetLastError());
}

/* Writes one frame (a line from the encoders; NULL is a bug, said so). */
static void
send_line(char *line)
{
	size_t off = 0, len;

	if (line == NULL) {
		logmsg("internal error: a frame outside the protocol was not sent");
		return;
	}
	len = strlen(line);
	while (off < len) {
		DWORD n = 0;

		if (!WriteFile(port, line + off, (DWORD)(len - off), &n, NULL) || n == 0) {
			logmsg("'%s': write failed (error %lu)", port_path, GetLastError());
			break;
		}
		off += n;
	}
	free(line);
}

static void
send_ready(void)
{
	send_line(agent_encode_ready(boot_id, AGENT_VERSION));
}

static void
send_err(long id, const char *reason)
{
	send_line(agent_encode_err(id, reason));
}

/* OUT pieces of data[0..len) (cut at AGENT_OUTPUT_MAX), then END. */
static void
send_output(long id, const char *data, size_t len, int status, int killed)
{
	int truncated = 0;
	size_t off;

	if (len > AGENT_OUTPUT_MAX) {
		len = AGENT_OUTPUT_MAX;
		truncated = 1;
	}
	for (off = 0; off < len; off += AGENT_PIECE_MAX) {
		size_t n = len - off < AGENT_PIECE_MAX ? len - off : AGENT_PIECE_MAX;

		send_line(agent_encode_out(id, data + off, n));
	}
	send_line(agent_encode_end(id, status, (long)len, truncated, killed));
}

/* A reply made of one message and a status. */
static void
send_text(long id, int status, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	send_output(id, buf, (size_t)n, status, 0);
}

/* A growing output buffer for the queries. */
struct outbuf {
	char *data;
	size_t len, cap;
};

static void
out_printf(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (o->len + (size_t)n + 1 > o->cap) {
		o->cap = (o->len + (size_t)n + 1) * 2;
		o->data = realloc(o->data, o->cap);
		if (o->data == NULL)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(o->data + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

/* ---- boot id ---- */

/*
 * The boot id lives in a volatile registry key: the same for every start of
 * the agent within one boot (a restarted agent is not a reboot), new after
 * a reboot, as AGENT.md asks.
 */
static void
make_boot_id(void)
{
	unsigned int r[4];
	char fresh[40];
	DWORD size = sizeof(boot_id) - 1, type = 0, disp = 0;
	HKEY key;
	int i;

	for (i = 0; i < 4; i++)
		if (rand_s(&r[i]) != 0)
			r[i] = (unsigned int)GetTickCount() ^ (unsigned int)(i * 2654435761u) ^
			       (unsigned int)GetCurrentProcessId();
	snprintf(fresh, sizeof(fresh), "%08x-%04x-%04x-%04x%08x", r[0], r[1] & 0xffff,
		 r[1] >> 16, r[2] & 0xffff, r[3]);
	if (RegCreateKeyExA(HKEY_LOCAL_MACHINE, BOOT_KEY, 0, NULL, REG_OPTION_VOLATILE,
			    KEY_READ | KEY_WRITE, NULL, &key, &disp) != ERROR_SUCCESS) {
		logmsg("cannot open HKLM\\%s: boot id %s is this start's only", BOOT_KEY, fresh);
		memcpy(boot_id, fresh, strlen(fresh) + 1);
		return;
	}
	memset(boot_id, 0, sizeof(boot_id));
	if (RegQueryValueExA(key, "BootId", NULL, &type, (BYTE *)boot_id, &size) ==
		    ERROR_SUCCESS && type == REG_SZ && size > 1) {
		boot_id[sizeof(boot_id) - 1] = '\0';
		RegCloseKey(key);
		return;
	}
	memcpy(boot_id, fresh, strlen(fresh) + 1);
	RegSetValueExA(key, "BootId", 0, REG_SZ, (const BYTE *)boot_id,
		       (DWORD)strlen(boot_id) + 1);
	RegCloseKey(key);
}

/* ---- commands ---- */

static HANDLE
inheritable(HANDLE h)
{
	SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
	return h;
}

/* "cmd.exe /d /s /c "CMD"": /s keeps CMD's own quotes as they are. */
static char *
shell_line(const char *cmd)
{
	char comspec[MAX_PATH];
	size_t need;
	char *line;
	DWORD n = GetEnvironmentVariableA("ComSpec", comspec, sizeof(comspec));

	if (n == 0 || n >= sizeof(comspec))
		snprintf(comspec, sizeof(comspec), "cmd.exe");
	need = strlen(comspec) + strlen(cmd) + 16;
	if (need > CMDLINE_MAX)
		return NULL;
	line = malloc(need);
	if (line == NULL)
		abort();
	snprintf(line, need, "\"%s\" /d /s /c \"%s\"", comspec, cmd);
	return line;
}

/*
 * Runs cmd, its output captured, within limit seconds (0: no limit of
 * ours; the host still has its own), and answers request id.
 */
static void
run_command(long id, const char *cmd, unsigned limit)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION jl;
	STARTUPINFOA si = { 0 };
	PROCESS_INFORMATION pi = { 0 };
	char tmpdir[MAX_PATH], tmpname[MAX_PATH], *line, *out = NULL;
	HANDLE tmp, nul, job;
	DWORD code = 255, wait, got = 0;
	LARGE_INTEGER size, zero = { 0 };
	int killed = 0;
	size_t want;

	line = shell_line(cmd);
	if (line == NULL) {
		send_text(id, 255, "pvci-agent: command line too long");
		return;
	}
	if (GetTempPathA(sizeof(tmpdir), tmpdir) == 0 ||
	    GetTempFileNameA(tmpdir, "pvc", 0, tmpname) == 0) {
		send_text(id, 255, "pvci-agent: no temporary file (error %lu)", GetLastError());
		free(line);
		return;
	}
	tmp = CreateFileA(tmpname, GENERIC_READ | GENERIC_WRITE,
			  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
			  CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE,
			  NULL);
	nul = CreateFileA("NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
			  OPEN_EXISTING, 0, NULL);
	if (tmp == INVALID_HANDLE_VALUE || nul == INVALID_HANDLE_VALUE) {
		send_text(id, 255, "pvci-agent: cannot open '%s' (error %lu)", tmpname,
			  GetLastError());
		if (tmp != INVALID_HANDLE_VALUE)
			CloseHandle(tmp);
		if (nul != INVALID_HANDLE_VALUE)
			CloseHandle(nul);
		free(line);
		return;
	}
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = inheritable(nul);
	si.hStdOutput = inheritable(tmp);
	si.hStdError = tmp;
	/* Suspended until it is in its job, so no child escapes the limit. */
	if (!CreateProcessA(NULL, line, NULL, NULL, TRUE, CREATE_SUSPENDED | CREATE_NO_WINDOW,
			    NULL, NULL, &si, &pi)) {
		send_text(id, 255, "pvci-agent: cannot start '%s' (error %lu)", line,
			  GetLastError());
		CloseHandle(tmp);
		CloseHandle(nul);
		free(line);
		return;
	}
	free(line);
	job = CreateJobObjectA(NULL, NULL);
	if (job) {
		memset(&jl, 0, sizeof(jl));
		/* Children left behind by RUN live on (servers); RUNBG is better. */
		SetInformationJobObject(job, JobObjectExtendedLimitInformation, &jl, sizeof(jl));
		if (!AssignProcessToJobObject(job, pi.hProcess)) {
			logmsg("no job object for request %ld (error %lu): the limit kills "
			       "the command only, not its children", id, GetLastError());
			CloseHandle(job);
			job = NULL;
		}
	}
	ResumeThread(pi.hThread);
	wait = WaitForSingleObject(pi.hProcess, limit ? limit * 1000u : INFINITE);
	if (wait == WAIT_TIMEOUT) {
		killed = 1;
		if (job)
			TerminateJobObject(job, 255);
		TerminateProcess(pi.hProcess, 255);
		WaitForSingleObject(pi.hProcess, 10000);
	}
	if (!GetExitCodeProcess(pi.hProcess, &code) || code == STILL_ACTIVE)
		code = 255;
	/* Windows exit codes are 32 bits (0xC0000005...); the protocol has 0..255. */
	if (code > 255 || killed)
		code = 255;
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	if (job)
		CloseHandle(job);
	CloseHandle(nul);

	size.QuadPart = 0;
	GetFileSizeEx(tmp, &size);
	want = size.QuadPart > AGENT_OUTPUT_MAX ? AGENT_OUTPUT_MAX + 1 : (size_t)size.QuadPart;
	out = malloc(want + 1);
	if (out == NULL)
		abort();
	SetFilePointerEx(tmp, zero, NULL, FILE_BEGIN);
	if (want && !ReadFile(tmp, out, (DWORD)want, &got, NULL))
		got = 0;
	CloseHandle(tmp);
	send_output(id, out, got, (int)code, killed);
	free(out);
}

/* RUNBG: started detached, not waited for; END at once. */
static void
run_background(long id, const char *cmd)
{
	STARTUPINFOA si = { 0 };
	PROCESS_INFORMATION pi = { 0 };
	DWORD flags = DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP;
	char *line = shell_line(cmd);

	if (line == NULL) {
		send_text(id, 255, "pvci-agent: command line too long");
		return;
	}
	si.cb = sizeof(si);
	if (!CreateProcessA(NULL, line, NULL, NULL, FALSE, flags | CREATE_BREAKAWAY_FROM_JOB,
			    NULL, NULL, &si, &pi) &&
	    !CreateProcessA(NULL, line, NULL, NULL, FALSE, flags, NULL, NULL, &si, &pi)) {
		send_text(id, 255, "pvci-agent: cannot start '%s' (error %lu)", line,
			  GetLastError());
		free(line);
		return;
	}
	free(line);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	send_line(agent_encode_end(id, 0, 0, 0, 0));
}

/* RUNLIM: "<seconds> <command>". */
static void
run_limited(long id, const char *payload)
{
	char *end;
	unsigned long limit;

	errno = 0;
	limit = strtoul(payload, &end, 10);
	if (errno || end == payload || *end != ' ' || limit < 1 || limit > 86400 ||
	    end[1] == '\0') {
		send_err(id, "bad-frame");
		return;
	}
	run_command(id, end + 1, (unsigned)limit);
}

/* ---- files ---- */

/* GET: "<offset> <path>": up to AGENT_OUTPUT_MAX bytes from offset. */
static void
get_file(long id, const char *payload)
{
	unsigned long long offset;
	LARGE_INTEGER size, pos;
	const char *path;
	char *end, *buf;
	DWORD got = 0;
	HANDLE h;
	size_t want;

	errno = 0;
	offset = strtoull(payload, &end, 10);
	if (errno || end == payload || *end != ' ' || end[1] == '\0') {
		send_err(id, "bad-frame");
		return;
	}
	path = end + 1;
	h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE |
			FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		send_text(id, 1, "cannot open '%s' (error %lu)", path, GetLastError());
		return;
	}
	if (!GetFileSizeEx(h, &size) || (unsigned long long)size.QuadPart < offset) {
		send_text(id, 1, "'%s': offset %llu is past its end", path, offset);
		CloseHandle(h);
		return;
	}
	/* One byte more than a reply holds says whether more is left. */
	want = (unsigned long long)size.QuadPart - offset > AGENT_OUTPUT_MAX ?
	       AGENT_OUTPUT_MAX + 1 : (size_t)((unsigned long long)size.QuadPart - offset);
	buf = malloc(want + 1);
	if (buf == NULL)
		abort();
	pos.QuadPart = (LONGLONG)offset;
	if (!SetFilePointerEx(h, pos, NULL, FILE_BEGIN) ||
	    (want && !ReadFile(h, buf, (DWORD)want, &got, NULL))) {
		send_text(id, 1, "cannot read '%s' (error %lu)", path, GetLastError());
	} else {
		send_output(id, buf, got, 0, 0);
	}
	free(buf);
	CloseHandle(h);
}

/* PUT and APPEND: "<path>\n<data>". */
static void
put_file(long id, const struct agent_request *r, int append)
{
	const char *nl = memchr(r->payload, '\n', r->len);
	char path[1025];
	size_t plen, off, len;
	HANDLE h;

	if (nl == NULL || nl == (const char *)r->payload ||
	    (plen = (size_t)(nl - (const char *)r->payload)) >= sizeof(path)) {
		send_err(id, "bad-frame");
		return;
	}
	memcpy(path, r->payload, plen);
	path[plen] = '\0';
	h = CreateFileA(path, GENERIC_WRITE, 0, NULL, append ? OPEN_EXISTING : CREATE_ALWAYS,
			FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		send_text(id, 1, "cannot open '%s' for writing (error %lu)", path,
			  GetLastError());
		return;
	}
	if (append && SetFilePointer(h, 0, NULL, FILE_END) == INVALID_SET_FILE_POINTER &&
	    GetLastError() != NO_ERROR) {
		send_text(id, 1, "cannot seek to the end of '%s' (error %lu)", path,
			  GetLastError());
		CloseHandle(h);
		return;
	}
	len = r->len - plen - 1;
	for (off = 0; off < len;) {
		DWORD n = 0;

		if (!WriteFile(h, nl + 1 + off, (DWORD)(len - off), &n, NULL) || n == 0) {
			send_text(id, 1, "cannot write '%s' (error %lu)", path, GetLastError());
			CloseHandle(h);
			return;
		}
		off += n;
	}
	if (!CloseHandle(h)) {
		send_text(id, 1, "cannot close '%s' (error %lu)", path, GetLastError());
		return;
	}
	send_line(agent_encode_end(id, 0, 0, 0, 0));
}

/* ---- queries ---- */

static const char *
state_name(DWORD s)
{
	switch (s) {
	case SERVICE_STOPPED: return "stopped";
	case SERVICE_START_PENDING: return "start-pending";
	case SERVICE_STOP_PENDING: return "stop-pending";
	case SERVICE_RUNNING: return "running";
	case SERVICE_CONTINUE_PENDING: return "continue-pending";
	case SERVICE_PAUSE_PENDING: return "pause-pending";
	case SERVICE_PAUSED: return "paused";
	default: return "unknown";
	}
}

/* SERVICES: one line a driver service: "NAME STATE". */
static void
list_services(long id)
{
	struct outbuf o = { 0 };
	DWORD need = 0, count = 0, resume = 0, i;
	BYTE *buf = NULL;
	DWORD size = 64 * 1024;
	SC_HANDLE scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_ENUMERATE_SERVICE);
	BOOL ok;

	if (scm == NULL) {
		send_text(id, 1, "cannot open the service manager (error %lu)", GetLastError());
		return;
	}
	do {
		buf = realloc(buf, size);
		if (buf == NULL)
			abort();
		ok = EnumServicesStatusExA(scm, SC_ENUM_PROCESS_INFO, SERVICE_DRIVER,
					   SERVICE_STATE_ALL, buf, size, &need, &count, &resume,
					   NULL);
		if (!ok && GetLastError() != ERROR_MORE_DATA) {
			send_text(id, 1, "cannot list driver services (error %lu)",
				  GetLastError());
			goto out;
		}
		for (i = 0; i < count; i++) {
			ENUM_SERVICE_STATUS_PROCESSA *e = (ENUM_SERVICE_STATUS_PROCESSA *)buf + i;

			out_printf(&o, "%s %s\r\n", e->lpServiceName,
				   state_name(e->ServiceStatusProcess.dwCurrentState));
		}
		if (need > size)
			size = need;
	} while (!ok);
	send_output(id, o.data ? o.data : "", o.len, 0, 0);
out:
	free(o.data);
	free(buf);
	CloseServiceHandle(scm);
}

/* EVENTS: errors in the System log since boot: "UNIXTIME SOURCE EVENTID". */
static void
list_events(long id)
{
	struct outbuf o = { 0 };
	DWORD since = (DWORD)(time(NULL) - (time_t)(GetTickCount64() / 1000)) - 60;
	DWORD got, need;
	static BYTE buf[64 * 1024];
	HANDLE h = OpenEventLogA(NULL, "System");
	int done = 0;

	if (h == NULL) {
		send_text(id, 1, "cannot open the System event log (error %lu)", GetLastError());
		return;
	}
	/* Newest first, so the walk stops at the first record before the boot. */
	while (!done && ReadEventLogA(h, EVENTLOG_SEQUENTIAL_READ | EVENTLOG_BACKWARDS_READ, 0,
				      buf, sizeof(buf), &got, &need)) {
		BYTE *p = buf;

		while (p < buf + got) {
			EVENTLOGRECORD *rec = (EVENTLOGRECORD *)p;

			if (rec->Length == 0)
				break;
			if (rec->TimeGenerated < since) {
				done = 1;
				break;
			}
			if (rec->EventType == EVENTLOG_ERROR_TYPE)
				out_printf(&o, "%lu %s %lu\r\n", (unsigned long)rec->TimeGenerated,
					   (const char *)(rec + 1),
					   (unsigned long)(rec->EventID & 0xffff));
			p += rec->Length;
		}
	}
	if (!done && GetLastError() != ERROR_HANDLE_EOF) {
		send_text(id, 1, "cannot read the System event log (error %lu)", GetLastError());
		goto out;
	}
	send_output(id, o.data ? o.data : "", o.len, 0, 0);
out:
	free(o.data);
	CloseEventLog(h);
}

/* DUMPS: "PATH SIZE UNIXTIME" for each minidump, and MEMORY.DMP. */
static void
list_dumps(long id)
{
	struct outbuf o = { 0 };
	char windir[MAX_PATH], pattern[MAX_PATH + 32];
	WIN32_FIND_DATAA fd;
	HANDLE h;
	int pass;

	if (GetWindowsDirectoryA(windir, sizeof(windir)) == 0) {
		send_text(id, 1, "no Windows directory (error %lu)", GetLastError());
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		const char *dir = pass == 0 ? "\\Minidump\\" : "\\";

		snprintf(pattern, sizeof(pattern), "%s%s%s", windir, dir,
			 pass == 0 ? "*.dmp" : "MEMORY.DMP");
		h = FindFirstFileA(pattern, &fd);
		if (h == INVALID_HANDLE_VALUE)
			continue;
		do {
			ULARGE_INTEGER t;
			unsigned long long size = ((unsigned long long)fd.nFileSizeHigh << 32) |
						  fd.nFileSizeLow;

			if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
				continue;
			t.LowPart = fd.ftLastWriteTime.dwLowDateTime;
			t.HighPart = fd.ftLastWriteTime.dwHighDateTime;
			out_printf(&o, "%s%s%s %llu %llu\r\n", windir, dir, fd.cFileName, size,
				   t.QuadPart / 10000000ULL - 11644473600ULL);
		} while (FindNextFileA(h, &fd));
		FindClose(h);
	}
	send_output(id, o.data ? o.data : "", o.len, 0, 0);
	free(o.data);
}

/* REBOOT and SHUTDOWN: asked of Windows first, END after (it takes a while). */
static void
power(long id, int reboot)
{
	TOKEN_PRIVILEGES tp = { 0 };
	HANDLE token;

	if (OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY,
			     &token)) {
		tp.PrivilegeCount = 1;
		tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
		if (LookupPrivilegeValueA(NULL, "SeShutdownPrivilege", &tp.Privileges[0].Luid))
			AdjustTokenPrivileges(token, FALSE, &tp, 0, NULL, NULL);
		CloseHandle(token);
	}
	if (!InitiateSystemShutdownExA(NULL, NULL, 0, TRUE, reboot ? TRUE : FALSE,
				       SHTDN_REASON_MAJOR_OTHER | SHTDN_REASON_MINOR_OTHER |
				       SHTDN_REASON_FLAG_PLANNED)) {
		send_text(id, 1, "cannot %s (error %lu)", reboot ? "reboot" : "shut down",
			  GetLastError());
		return;
	}
	send_line(agent_encode_end(id, 0, 0, 0, 0));
}

/* ---- the loop ---- */

static void
handle(const char *line, int too_long)
{
	static struct agent_request r;
	const char *p;

	switch (agent_parse_request(line, strlen(line), too_long, &r)) {
	case AGENT_REQ_IGNORE:
		return;
	case AGENT_REQ_BAD:
		send_err(r.id, "bad-frame");
		return;
	case AGENT_REQ_TOO_LONG:
		send_err(r.id, "too-long");
		return;
	case AGENT_REQ_OK:
		break;
	}
	p = (const char *)r.payload;
	/* Text payloads end at their first NUL; one inside is a bad frame. */
	if (strcmp(r.op, "PUT") != 0 && strcmp(r.op, "APPEND") != 0 && strlen(p) != r.len) {
		send_err(r.id, "bad-frame");
		return;
	}
	if (strcmp(r.op, "PING") == 0) {
		send_ready();
	} else if (strcmp(r.op, "RUN") == 0 && r.len) {
		run_command(r.id, p, 0);
	} else if (strcmp(r.op, "RUNLIM") == 0 && r.len) {
		run_limited(r.id, p);
	} else if (strcmp(r.op, "RUNBG") == 0 && r.len) {
		run_background(r.id, p);
	} else if (strcmp(r.op, "GET") == 0 && r.len) {
		get_file(r.id, p);
	} else if ((strcmp(r.op, "PUT") == 0 || strcmp(r.op, "APPEND") == 0) && r.len) {
		put_file(r.id, &r, r.op[0] == 'A');
	} else if (strcmp(r.op, "DRIVERS") == 0) {
		run_command(r.id, "pnputil.exe /enum-drivers", DRIVERS_LIMIT);
	} else if (strcmp(r.op, "SERVICES") == 0) {
		list_services(r.id);
	} else if (strcmp(r.op, "EVENTS") == 0) {
		list_events(r.id);
	} else if (strcmp(r.op, "DUMPS") == 0) {
		list_dumps(r.id);
	} else if (strcmp(r.op, "REBOOT") == 0 || strcmp(r.op, "SHUTDOWN") == 0) {
		power(r.id, r.op[0] == 'R');
	} else if (strcmp(r.op, "RUN") == 0 || strcmp(r.op, "RUNLIM") == 0 ||
		   strcmp(r.op, "RUNBG") == 0 || strcmp(r.op, "GET") == 0 ||
		   strcmp(r.op, "PUT") == 0 || strcmp(r.op, "APPEND") == 0) {
		send_err(r.id, "bad-frame");	/* these need a payload */
	} else {
		send_err(r.id, "unknown-op");
	}
}

static int
serve(void)
{
	static struct agent_req_lines lines;
	char pidbuf[16], buf[4096];

	snprintf(pidbuf, sizeof(pidbuf), "%lu", (unsigned long)GetCurrentProcessId());
	SetEnvironmentVariableA("PVCI_AGENT_PID", pidbuf);
	make_boot_id();
	port_open();
	agent_req_lines_init(&lines);
	logmsg("serving on '%s', boot %s", port_path, boot_id);
	send_ready();
	for (;;) {
		DWORD n = 0;
		size_t off = 0;

		if (!ReadFile(port, buf, sizeof(buf), &n, NULL)) {
			logmsg("'%s': read failed (error %lu), reopening", port_path,
			       GetLastError());
			CloseHandle(port);
			Sleep(1000);
			port_open();
			send_ready();
			continue;
		}
		while (off < n) {
			const char *line;
			int too_long;

			off += agent_req_lines_feed(&lines, buf + off, n - off, &line, &too_long);
			if (line)
				handle(line, too_long);
		}
	}
	return 0;
}

/* Helpers for tests, so they need no Windows tool that Wine may lack. */
static int
helper(const char *mode, const char *arg)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end) {
		fprintf(stderr, "pvci-agent: %s: '%s' is not a number\n", mode, arg);
		return 2;
	}
	if (strcmp(mode, "--sleep") == 0) {
		Sleep((DWORD)n * 1000);
		printf("slept %lu\n", n);
		return 0;
	}
	if (strcmp(mode, "--emit") == 0) {
		unsigned long i;

		for (i = 0; i < n; i++)
			putchar('a' + (int)(i % 26));
		return 0;
	}
	fprintf(stderr, "pvci-agent: unknown option '%s'\n", mode);
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strncmp(argv[1], "--", 2) == 0)
		return helper(argv[1], argv[2]);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: pvci-agent [PORT] | --sleep N | --emit N\n");
		return 2;
	}
	if (argc == 2)
		port_path = argv[1];
	return serve();
}
