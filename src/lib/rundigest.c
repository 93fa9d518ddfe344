/*
 * rundigest.c - SHA-256 over runs' exports (rundigest.h). Nettle computes
 * the hash; the exports are store_export's, so the digest covers every
 * field an export carries (samples, statistics, devices, provenance).
 */
#include "rundigest.h"
#include "err.h"
#include "store_export.h"

#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

int rundigest_runs(struct store *st, const int64_t *run_ids, size_t n, char *out_hex,
		   char *err, size_t n_err)
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];

	out_hex[0] = '\0';
	sha256_init(&ctx);
	for (size_t i = 0; i < n; i++) {
		cJSON *doc = NULL;
		char *text;
		int rc = store_export_run(st, run_ids[i], &doc, err, n_err);

		if (rc)
			return rc;
		text = cJSON_Print(doc);
		cJSON_Delete(doc);
		if (!text)
			return err_set(err, n_err, MC_ENOMEM, "out of memory printing the "
				       "export of a run for its digest");
		sha256_update(&ctx, strlen(text), (const uint8_t *)text);
		sha256_update(&ctx, 1, (const uint8_t *)"\n");
		cJSON_free(text);
	}
	sha256_digest(&ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		out_hex[2 * i] = hex[d[i] >> 4];
		out_hex[2 * i + 1] = hex[d[i] & 15];
	}
	out_hex[RUNDIGEST_HEX_LEN] = '\0';
	return 0;
}
