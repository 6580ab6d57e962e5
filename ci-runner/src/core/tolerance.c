#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tolerance.h"

int
tolerance_parse(const char *s, struct tolerance *t)
{
	size_t len;
	char *end;
	double v;

	if (!s || (s[0] != '-' && s[0] != '+'))
		return -1;
	len = strlen(s);
	/* Digits and one dot only: strtod alone would take "inf", "0x1p3", "1e3". */
	if (len < 3 || len > 16 || s[len - 1] != '%' ||
	    strspn(s + 1, "0123456789.") != len - 2 || !strchr("0123456789", s[1]))
		return -1;
	v = strtod(s + 1, &end);
	if (end != s + len - 1 || !isfinite(v) || v > 1000)
		return -1;
	t->sign = s[0] == '-' ? -1 : 1;
	t->fraction = v / 100;
	return 0;
}
