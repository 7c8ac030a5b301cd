/* sample_text.h — an aligned, human-readable rendering of a sample
 * (--once --format text, headless logs). */
#ifndef PT_SAMPLE_TEXT_H
#define PT_SAMPLE_TEXT_H

#include <stdio.h>

#include "model/sample.h"

void	sample_print_text(FILE *f, const struct pt_sample *s);

#endif
