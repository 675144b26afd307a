/* lines.c - scenario lines read with bounded memory (lines.h). */
#include <errno.h>
#include <stdlib.h>

#include "lines.h"

/* Room for (len) bytes, the NUL and the spare byte the parser writes. */
static int reserve(struct lines *l, size_t len)
{
	size_t cap = l->cap ? l->cap : 256;
	char *grown;

	if (len + 2 <= l->cap)
		return 0;
	while (cap < len + 2)
		cap *= 2;
	grown = realloc(l->buf, cap);
	if (!grown)
		return -ENOMEM;
	l->buf = grown;
	l->cap = cap;
	return 0;
}

ssize_t lines_next(struct lines *l, FILE *in)
{
	size_t len = 0;
	int in_comment = 0;
	int c;

	while ((c = getc_unlocked(in)) != EOF) {
		if (in_comment && c != '\n')
			continue; /* a comment's text is never kept */
		if (len == LINES_MAX && c != '\n')
			return LINES_TOO_LONG;
		if (reserve(l, len + 1))
			return -ENOMEM;
		l->buf[len++] = (char)c;
		if (c == '\n')
			break;
		in_comment = c == '#';
	}
	if (len == 0 && c == EOF)
		return -1;
	l->buf[len] = '\0';
	return (ssize_t)len;
}

void lines_free(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->cap = 0;
}
