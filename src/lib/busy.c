/*
 * busy.c - a device's busy time as the union of its commands' intervals
 * (busy.h says why not their sum).
 */
#include "busy.h"

void busy_init(struct busy *b)
{
	b->last_end = 0;
	b->any = 0;
}

uint64_t busy_add(struct busy *b, uint64_t start, uint64_t end)
{
	uint64_t from = start;

	if (b->any && b->last_end > from)
		from = b->last_end;
	if (!b->any || end > b->last_end)
		b->last_end = end;
	b->any = 1;
	return end > from ? end - from : 0;
}
