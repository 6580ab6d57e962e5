#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "instance.h"
#include "log.h"
#include "mail-flight.h"
#include "mail-send.h"
#include "mail.h"
#include "report.h"
#include "util.h"

int
mail_flight(struct instance *inst, long flight, int pushed)
{
	struct report_opts ro = { .format = REPORT_TEXT, .record = 1 };
	struct mail_message env;
	struct mail_settings s;
	struct db_flight_info info;
	const char *from = config_str(inst->cfg, "mail.from");
	const char *domain = strchr(from, '@');
	char **to = NULL, *msg = NULL, *id, *creds, *ca;
	int nto = 0, rc = -1;

	memset(&env, 0, sizeof(env));
	memset(&s, 0, sizeof(s));
	s.smtp_url = config_str(inst->cfg, "mail.smtp_url");
	if (!s.smtp_url || !*s.smtp_url)
		return errorx("mail for flight %ld: setting 'mail.smtp_url' is not set", flight);
	if (!mail_address_is_valid(from))
		return errorx("mail for flight %ld: setting 'mail.from': '%s' is not a mail "
			      "address", flight, from);
	if (db_flight_info(inst->db, flight, &info) < 0)
		return -1;
	if (mail_recipients(config_str(inst->cfg, "mail.to"), info.branch, &to, &nto) < 0)
		goto out;
	if (!nto) {
		errorx("mail for flight %ld: setting 'mail.to' names no recipient for branch '%s'",
		       flight, info.branch);
		goto out;
	}
	ro.today = (long)(time(NULL) / 86400);
	env.from = from;
	env.to = (const char *const *)to;
	env.nto = nto;
	env.date = (long)time(NULL);
	env.pushed = pushed;
	id = xasprintf("pvci.%ld.%ld.%ld@%s", flight, env.date, (long)getpid(),
		       domain && domain[1] ? domain + 1 : "localhost");
	env.message_id = id;
	msg = report_mail(inst->db, flight, &ro, &env);
	free(id);
	if (!msg)
		goto out;
	creds = instance_path(inst, "mail.credentials_file");
	ca = instance_path(inst, "mail.ca_file");
	s.ca_file = ca;
	s.from = from;
	s.starttls = config_bool(inst->cfg, "mail.starttls");
	s.credentials_file = creds;
	rc = mail_send(&s, to, nto, msg);
	free(creds);
	free(ca);
	if (rc == 0)
		fprintf(stderr, "pvci: mailed the report of flight %ld to %d recipient%s\n",
			flight, nto, nto == 1 ? "" : "s");
out:
	free(msg);
	mail_recipients_free(to, nto);
	db_flight_info_release(&info);
	return rc;
}

int
mail_after_flight(struct instance *inst, long flight, int pushed)
{
	struct db_flight_info info;
	const char *url = config_str(inst->cfg, "mail.smtp_url");
	int real;

	if (!url || !*url)
		return 0;
	if (db_flight_info(inst->db, flight, &info) < 0)
		return -1;
	/* Only a whole flight is judged: not after "flight run --jobs" left some. */
	real = !strcmp(info.blessing, "real") && info.finished;
	db_flight_info_release(&info);
	return real ? mail_flight(inst, flight, pushed) : 0;
}
