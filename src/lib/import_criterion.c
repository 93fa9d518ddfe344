/* placeholder, replaced below */
#include "import.h"
#include "err.h"
int import_criterion_parse(const char *src, const char *text, size_t len,
			   struct import_doc *doc, char *err, size_t n_err)
{
	(void)text; (void)len; (void)doc;
	return err_set(err, n_err, MC_EINVAL, "%s: criterion: not yet", src);
}
int import_criterion_tree(const char *dir, struct import_doc *doc, char *err, size_t n_err)
{
	(void)doc;
	return err_set(err, n_err, MC_EINVAL, "%s: criterion: not yet", dir);
}
