/* greet.h: builds greetings for the hello example.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>

/* Writes "Hello, NAME!" into buf (at most size bytes, NUL included) and
 * returns the length the full greeting needs, as snprintf does. A NULL or
 * empty name greets the world. */
int greet (char *buf, size_t size, const char *name);
