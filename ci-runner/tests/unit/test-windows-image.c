/*
 * Windows golden images (guest/windows-image.c): the answer file parses as
 * XML, holds the password only encoded, and sets what an image needs (no
 * driver delivery by Windows Update, test signing when asked, the agent at
 * boot); the domain definition has no vendor device; templates refuse
 * unknown placeholders and values XML would misread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "util.h"
#include "windows-image.h"

static char *
template(const char *name)
{
	char *path = xasprintf("%s/guest-images/windows/%s",
			       getenv("PVCI_SRCDIR") ? getenv("PVCI_SRCDIR") : ".", name);
	size_t len;
	char *text = read_file(path, 1 << 20, &len);

	if (text == NULL)
		fail_msg("cannot read '%s' (run from the source tree or set PVCI_SRCDIR)", path);
	free(path);
	return text;
}

/* Number of nodes an XPath (prefix u: the unattend namespace) finds. */
static int
count(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj;
	int n;

	xmlXPathRegisterNs(ctx, BAD_CAST "u", BAD_CAST "urn:schemas-microsoft-com:unattend");
	obj = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	assert_non_null(obj);
	n = obj->nodesetval ? obj->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return n;
}

static char *
answer(const char *edition, const char *pw, int test_signing, xmlDocPtr *doc)
{
	char *tmpl = template("autounattend.xml.in"), *out;
	struct win_answer a = { win_edition_lookup(edition), pw, test_signing };

	assert_non_null(a.edition);
	out = win_answer_file(tmpl, &a);
	free(tmpl);
	assert_non_null(out);
	*doc = xmlReadMemory(out, (int)strlen(out), "autounattend.xml", NULL, XML_PARSE_NONET);
	if (*doc == NULL)
		fail_msg("the answer file for %s is not well-formed XML", edition);
	return out;
}

static void
test_answer_file(void **state)
{
	const char *pw = "Ab3-Xyzw2345Qrst6789";
	char *enc_admin, *enc_logon, *out;
	xmlDocPtr doc;

	(void)state;
	out = answer("ws2022", pw, 1, &doc);
	/* The password only as Setup reads it, encoded, in its two places. */
	assert_null(strstr(out, pw));
	enc_admin = win_password_encode(pw, "AdministratorPassword");
	enc_logon = win_password_encode(pw, "Password");
	assert_int_equal(count(doc, "//u:AdministratorPassword[u:Value='' or u:PlainText='false']"), 1);
	assert_non_null(strstr(out, enc_admin));
	assert_non_null(strstr(out, enc_logon));
	assert_int_equal(count(doc, "//u:PlainText[.='true']"), 0);
	/* The edition's image, by name. */
	assert_int_equal(count(doc, "//u:MetaData[u:Key='/IMAGE/NAME' and "
			       "u:Value='Windows Server 2022 SERVERDATACENTER']"), 1);
	/* Windows Update delivers no drivers. */
	assert_int_equal(count(doc, "//u:RunSynchronousCommand[contains(u:Path, "
			       "'ExcludeWUDriversInQualityUpdate')]"), 1);
	assert_int_equal(count(doc, "//u:RunSynchronousCommand[contains(u:Path, "
			       "'SearchOrderConfig /t REG_DWORD /d 0')]"), 1);
	/* Test signing on, as asked; EMS on COM1. */
	assert_int_equal(count(doc, "//u:RunSynchronousCommand[u:Path='bcdedit.exe /set "
			       "testsigning on']"), 1);
	assert_int_equal(count(doc, "//u:RunSynchronousCommand[contains(u:Path, 'EMSPORT:1')]"), 1);
	/* The agent: copied in, a task at startup as SYSTEM, started now. */
	assert_int_equal(count(doc, "//u:RunSynchronousCommand[contains(u:Path, "
			       "'copy /y %d:\\pvci-agent.exe C:\\pvci\\pvci-agent.exe')]"), 1);
	assert_int_equal(count(doc, "//u:SynchronousCommand[contains(u:CommandLine, "
			       "'/sc onstart') and contains(u:CommandLine, '/ru SYSTEM')]"), 1);
	assert_int_equal(count(doc, "//u:SynchronousCommand[u:CommandLine='schtasks /run "
			       "/tn pvci-agent']"), 1);
	/* A server has no Windows 11 checks to skip. */
	assert_int_equal(count(doc, "//u:RunSynchronousCommand[contains(u:Path, 'LabConfig')]"), 0);
	xmlFreeDoc(doc);
	free(out);
	free(enc_admin);
	free(enc_logon);

	out = answer("win11", pw, 0, &doc);
	assert_int_equal(count(doc, "//u:RunSynchronousCommand[contains(u:Path, "
			       "'testsigning')]"), 0);
	assert_int_equal(count(doc, "//u:settings[@pass='windowsPE']//u:RunSynchronousCommand"
			       "[contains(u:Path, 'BypassTPMCheck')]"), 1);
	xmlFreeDoc(doc);
	free(out);
}

/* Setup's encoding: base64 of UTF-16LE(password + suffix). */
static void
test_password_encoding(void **state)
{
	char *enc;

	(void)state;
	enc = win_password_encode("Ab1", "Password");
	/* "Ab1Password" in UTF-16LE, base64 (computed with iconv | base64). */
	assert_string_equal(enc, "QQBiADEAUABhAHMAcwB3AG8AcgBkAA==");
	free(enc);
}

static void
test_password_generate(void **state)
{
	char *a = win_password_generate(), *b = win_password_generate();
	const char *p;
	int upper = 0, lower = 0, digit = 0, sym = 0;

	(void)state;
	assert_non_null(a);
	assert_int_equal(strlen(a), 20);
	assert_true(win_password_is_valid(a));
	assert_string_not_equal(a, b);
	for (p = a; *p; p++) {
		upper |= *p >= 'A' && *p <= 'Z';
		lower |= *p >= 'a' && *p <= 'z';
		digit |= *p >= '0' && *p <= '9';
		sym |= strchr("-_.+", *p) != NULL;
	}
	assert_true(upper && lower && digit && sym);
	assert_false(win_password_is_valid("short1A-"));
	assert_false(win_password_is_valid("has<xml>chars12345"));
	assert_false(win_password_is_valid("has space in it 1234"));
	free(a);
	free(b);
}

static void
test_expand_errors(void **state)
{
	const struct win_var vars[] = { { "A", "x&y", 0 }, { "B", "<raw/>", 1 } };
	char *out;

	(void)state;
	out = win_expand("@B@ mail@example.org @", "t", vars, 2);
	assert_string_equal(out, "<raw/> mail@example.org @");
	free(out);
	assert_null(win_expand("<a>@A@</a>", "t", vars, 2));
	assert_null(win_expand("<a>@NOPE@</a>", "t", vars, 2));
	assert_null(win_edition_lookup("ws2012"));
	assert_non_null(win_edition_lookup("ws2025"));
}

static void
test_domain_xml(void **state)
{
	char *tmpl = template("domain.xml.in"), *xml;
	struct win_domain d = {
		.edition = win_edition_lookup("ws2019"), .name = "pvci-image-win-ws2019",
		.domain_type = "kvm", .emulator = "/usr/bin/qemu-system-x86_64",
		.disk = "/i/disk.qcow2", .iso = "/m/ws2019.iso", .media = "/i/media.iso",
		.console_log = "/i/console.log", .memory_mib = 4096, .vcpus = 2,
	};
	xmlDocPtr doc;

	(void)state;
	xml = win_domain_xml(tmpl, &d);
	assert_non_null(xml);
	doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	assert_int_equal(count(doc, "/domain/devices/disk[@device='cdrom']"), 2);
	assert_int_equal(count(doc, "/domain/devices/disk/source[@file='/m/ws2019.iso']"), 1);
	assert_int_equal(count(doc, "/domain/devices/serial[@type='pty']/target[@port='1']"), 1);
	/* No vendor device: no extra QEMU arguments, no attribute naming it. */
	assert_int_equal(count(doc, "//*[local-name()='commandline']"), 0);
	assert_int_equal(count(doc, "//@*[contains(., 'pvdevice') or contains(., '5853')]"), 0);
	xmlFreeDoc(doc);
	free(xml);
	d.iso = "/m/it's.iso";
	assert_null(win_domain_xml(tmpl, &d));
	free(tmpl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_file),
		cmocka_unit_test(test_password_encoding),
		cmocka_unit_test(test_password_generate),
		cmocka_unit_test(test_expand_errors),
		cmocka_unit_test(test_domain_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
