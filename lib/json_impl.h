/* json_impl.h: JSON text as the writers in lib/ share it (cat.c defines it). Internal. */
#ifndef NIDS_JSON_IMPL_H
#define NIDS_JSON_IMPL_H

#include <stdio.h>

/* Writes s as a JSON string (RFC 8259 escapes). */
void nids_json_string(FILE *f, const char *s);

#endif
