/* UTF-8, strictly: no overlong forms, no surrogates, nothing past
 * U+10FFFF. */
#ifndef OV_UTF8_H
#define OV_UTF8_H

#include <stddef.h>

/* Length of the valid sequence at s (n bytes available), 0 if invalid.
 * ASCII, including NUL, is a sequence of 1. */
size_t ov_utf8_seq(const unsigned char *s, size_t n);

#endif
