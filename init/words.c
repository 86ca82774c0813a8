/* words: see words.h. tests/unit/cpus_test.c tables it with mount options. */
#include "words.h"

#include <string.h>

bool words_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	while (list != NULL && *list) {
		size_t len = strcspn(list, ",");
		if (len == n && strncmp(list, word, n) == 0)
			return true;
		list += len;
		if (*list == ',')
			list++;
	}
	return false;
}
