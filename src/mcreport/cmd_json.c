/*
 * cmd_json.c - the small builders the --json output of history, compare
 * and regressions shares (cmd.h): a NULL string, a NaN and an unknown
 * dirty flag all read as JSON null, so consumers never parse "nan".
 */
#include <math.h>

#include "cmd.h"

int cmd_json_str(cJSON *o, const char *key, const char *v)
{
	return v ? !cJSON_AddStringToObject(o, key, v) : !cJSON_AddNullToObject(o, key);
}

int cmd_json_num(cJSON *o, const char *key, double v)
{
	return isfinite(v) ? !cJSON_AddNumberToObject(o, key, v)
			   : !cJSON_AddNullToObject(o, key);
}

int cmd_json_dirty(cJSON *o, const char *key, int dirty)
{
	return dirty < 0 ? !cJSON_AddNullToObject(o, key)
			 : !cJSON_AddBoolToObject(o, key, dirty);
}

int cmd_json_key(cJSON *o, const char *suite, const char *bench, const char *backend,
		 const char *variant, const char *clock)
{
	int bad = 0;

	bad |= cmd_json_str(o, "suite", suite);
	bad |= cmd_json_str(o, "benchmark", bench);
	bad |= cmd_json_str(o, "backend", backend);
	bad |= cmd_json_str(o, "variant", variant);
	bad |= cmd_json_str(o, "clock", clock);
	return bad;
}

int cmd_json_run(cJSON *o, int64_t run_id, const char *uuid, const char *started_at,
		 const char *git_commit)
{
	int bad = 0;

	bad |= !cJSON_AddNumberToObject(o, "run_id", (double)run_id);
	bad |= cmd_json_str(o, "uuid", uuid);
	bad |= cmd_json_str(o, "started_at", started_at);
	bad |= cmd_json_str(o, "git_commit", git_commit);
	return bad;
}

int cmd_json_item(cJSON *o, const char *key, cJSON *item)
{
	if (item && cJSON_AddItemToObject(o, key, item))
		return 0;
	cJSON_Delete(item);
	return 1;
}

cJSON *cmd_json_done(cJSON *root, int bad)
{
	if (!bad)
		return root;
	cJSON_Delete(root);
	return NULL;
}

cJSON *cmd_json_push(cJSON *arr, cJSON *item)
{
	if (item && cJSON_AddItemToArray(arr, item))
		return item;
	cJSON_Delete(item);
	return NULL;
}
