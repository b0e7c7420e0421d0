/* greet.c: builds greetings for the hello example.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "greet.h"

#include <stdio.h>

int
greet (char *buf, size_t size, const char *name)
{
  if (name == NULL || name[0] == '\0')
    name = "world";
  return snprintf (buf, size, "Hello, %s!", name);
}
