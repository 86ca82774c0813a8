/* num: decimal numbers from outside input (options, environment, passwd
 * lines, LISTEN_*). Pure; one strict grammar for all of them. */
#ifndef TINYHOLD_NUM_H
#define TINYHOLD_NUM_H

enum num_result {
	NUM_OK = 0,
	NUM_NOT_A_NUMBER = -1,	/* empty, a sign, a space, any non-digit */
	NUM_TOO_BIG = -2,	/* more than max */
};

/* The whole of text is decimal digits ("08" is 8) and at most max. */
enum num_result num_parse(const char *text, unsigned long max, unsigned long *out);

#endif
