/* deadline: the one clock (ms of CLOCK_MONOTONIC) and the one way tinyhold
 * compares and waits for deadlines on it, shared by the loop and the state
 * machines. -1 means no deadline. All but deadline_now_ms() are pure. */
#ifndef TINYHOLD_DEADLINE_H
#define TINYHOLD_DEADLINE_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "num.h"

/* Wall-clock jumps must not move deadlines: CLOCK_MONOTONIC. */
static inline int64_t deadline_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);	/* cannot fail with a valid pointer */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The earlier of two deadlines; -1 only if both are -1. */
static inline int64_t deadline_min(int64_t a, int64_t b)
{
	return num_min_set(a, b);
}

/* Milliseconds until due (for poll()), 0 if it passed, -1 if there is none. */
static inline int deadline_left_ms(int64_t due, int64_t now_ms)
{
	int64_t left;

	if (due < 0)
		return -1;
	left = due - now_ms;
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* Whether a deadline is set and has passed. */
static inline int deadline_passed(int64_t due, int64_t now_ms)
{
	return due >= 0 && now_ms >= due;
}

#endif
