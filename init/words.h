/* words: comma-separated lists from outside input (a mount's options in
 * /proc/self/mountinfo, a group's members in /etc/group). Pure. */
#ifndef TINYHOLD_WORDS_H
#define TINYHOLD_WORDS_H

#include <stdbool.h>

/* Whether word is one of list's comma-separated entries, whole (NULL: none). */
bool words_has(const char *list, const char *word);

#endif
