/* test-greet.c: unit tests of greet() for the example pipeline.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "greet.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void
check (const char *name, const char *expected)
{
  char buf[64];

  greet (buf, sizeof buf, name);
  if (strcmp (buf, expected) != 0)
    {
      fprintf (stderr, "FAIL: greet(%s) = \"%s\", expected \"%s\"\n",
               name ? name : "NULL", buf, expected);
      failures++;
    }
  else
    printf ("ok - greet(%s)\n", name ? name : "NULL");
}

int
main (void)
{
  char small[8];

  check ("Ada", "Hello, Ada!");
  check ("", "Hello, world!");
  check (NULL, "Hello, world!");

  /* truncated, NUL-terminated, and the needed length is reported */
  if (greet (small, sizeof small, "Grace") != 13 || strcmp (small, "Hello, ") != 0)
    {
      fprintf (stderr, "FAIL: truncation\n");
      failures++;
    }
  else
    printf ("ok - truncation\n");

  return failures ? 1 : 0;
}
