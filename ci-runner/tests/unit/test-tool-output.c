/* fio and iperf3 JSON as the guest prints it: figures out, refusals with reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tool-output.h"

#define FIO_DIR(bw, iops, p50, p99) \
	"{\"bw\": " #bw ", \"iops\": " #iops ", \"clat_ns\": {\"percentile\": " \
	"{\"50.000000\": " #p50 ", \"99.000000\": " #p99 "}}}"

static void
test_fio(void **state)
{
	const char *good = "fio: warning: something\n"
			   "{ \"jobs\": [ { \"jobname\": \"w\", \"error\": 0, \"write\": "
			   FIO_DIR(2048, 512, 3000, 9000) " },\n"
			   "{ \"jobname\": \"r\", \"error\": 0, \"read\": "
			   FIO_DIR(4096, 1024, 1000, 5000) " } ] }\ntrailing noise";
	struct fio_result res;
	char *why;

	(void)state;
	assert_int_equal(fio_output_parse(good, &res, &why), 0);
	assert_null(why);
	assert_true(res.write.bw_mibs == 2.0 && res.write.iops == 512);
	assert_true(res.write.clat_p50_us == 3.0 && res.write.clat_p99_us == 9.0);
	assert_true(res.read.bw_mibs == 4.0 && res.read.iops == 1024);

	assert_int_equal(fio_output_parse("no json at all", &res, &why), -1);
	assert_string_equal(why, "fio printed no JSON");
	free(why);
	assert_int_equal(fio_output_parse("x {\n{ \"jobs\": [", &res, &why), -1);
	assert_non_null(strstr(why, "fio printed bad JSON: line 1"));
	free(why);
	assert_int_equal(fio_output_parse("{ \"jobs\": [ {} ] }", &res, &why), -2);
	assert_string_equal(why, "fio reported 1 jobs, not 2");
	free(why);
	assert_int_equal(fio_output_parse("{ \"jobs\": [ {}, { \"jobname\": \"r\", \"error\": 84 } ] }",
					  &res, &why), -2);
	assert_string_equal(why, "fio job 'r' failed with error 84");
	free(why);
}

static void
test_iperf3(void **state)
{
	struct iperf3_result res;
	char *why;

	(void)state;
	assert_int_equal(iperf3_output_parse("Connecting\n{ \"end\": { \"sum_sent\": { \"retransmits\": 7 },"
					     " \"sum_received\": { \"bits_per_second\": 2.5e9 } } }",
					     &res, &why), 0);
	assert_true(res.gbits == 2.5 && res.retransmits == 7);
	assert_null(res.error);
	iperf3_result_release(&res);

	assert_int_equal(iperf3_output_parse("{ \"error\": \"unable to connect\" }", &res, &why), -2);
	assert_string_equal(res.error, "unable to connect");
	assert_string_equal(why, "reported no end.sum_received");
	free(why);
	iperf3_result_release(&res);
	assert_int_equal(iperf3_output_parse("nothing", &res, &why), -1);
	assert_string_equal(why, "iperf3 printed no JSON");
	free(why);
	assert_int_equal(iperf3_output_parse("{ oops", &res, &why), -1);
	assert_non_null(strstr(why, "iperf3 printed bad JSON"));
	free(why);
	iperf3_result_release(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fio),
		cmocka_unit_test(test_iperf3),
	};

	return cmocka_run_group_tests_name("tool-output", tests, NULL, NULL);
}
