/*
 * cliargs.c - command-line handling shared by mcbench and mcreport (see
 * cliargs.h).
 */
#include "cliargs.h"

#include <stddef.h>
#include <string.h>

int cliargs_take_db(int argc, char **argv, const char **out_db)
{
	int j = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0) {
			if (i + 1 >= argc)
				return -1;
			*out_db = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			*out_db = argv[i] + 5;
		} else {
			argv[j++] = argv[i];
		}
	}
	argv[j] = NULL;
	return j;
}
