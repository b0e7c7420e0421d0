/* main.c: the hello program of the example pipeline; greets its arguments.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "greet.h"

#include <stdio.h>

int
main (int argc, char **argv)
{
  char line[256];

  if (argc < 2)
    {
      greet (line, sizeof line, NULL);
      puts (line);
      return 0;
    }
  for (int i = 1; i < argc; i++)
    {
      if (greet (line, sizeof line, argv[i]) >= (int) sizeof line)
        {
          fprintf (stderr, "hello: name too long: %.20s...\n", argv[i]);
          return 1;
        }
      puts (line);
    }
  return 0;
}
