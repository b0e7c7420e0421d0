/* concurra-deadlines.c: a binary min-heap of monotonic deadlines behind a
 * single GSource whose ready time is the earliest one. The runner arms task
 * timeouts and retry delays here, so a run has at most one timer however many
 * tasks have a deadline, and no timer at all when none has (never poll).
 * Entries are not removed when they become moot; the callback checks them.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-deadlines-private.h"

typedef struct
{
  gint64   when;
  gpointer item;
  guint    tag;
} Deadline;

/* the deadlines are the GSource itself: GLib keeps a dispatching source
 * alive, so a callback that ends the run (and frees the runner holding
 * us) does not pull the heap from under the dispatch loop */
struct _ConcurraDeadlines
{
  GSource               source;
  GArray               *heap;
  ConcurraDeadlineFunc  func;
  gpointer              user_data;
};

#define AT(h, i) (g_array_index ((h), Deadline, (i)))

static void
sift_up (GArray *heap,
         guint   i)
{
  Deadline d = AT (heap, i);

  while (i > 0 && AT (heap, (i - 1) / 2).when > d.when)
    {
      AT (heap, i) = AT (heap, (i - 1) / 2);
      i = (i - 1) / 2;
    }
  AT (heap, i) = d;
}

static void
sift_down (GArray *heap,
           guint   i)
{
  Deadline d = AT (heap, i);

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= heap->len)
        break;
      if (child + 1 < heap->len && AT (heap, child + 1).when < AT (heap, child).when)
        child++;
      if (AT (heap, child).when >= d.when)
        break;
      AT (heap, i) = AT (heap, child);
      i = child;
    }
  AT (heap, i) = d;
}

static void
rearm (ConcurraDeadlines *self)
{
  g_source_set_ready_time (&self->source, self->heap->len ? AT (self->heap, 0).when : -1);
}

static gboolean
deadlines_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  ConcurraDeadlines *self = (ConcurraDeadlines *) source;
  gint64 now = g_source_get_time (source);

  /* the callback may end the run and stop us: then the items are gone */
  while (!g_source_is_destroyed (source) &&
         self->heap->len && AT (self->heap, 0).when <= now)
    {
      Deadline d = AT (self->heap, 0);

      AT (self->heap, 0) = AT (self->heap, self->heap->len - 1);
      g_array_set_size (self->heap, self->heap->len - 1);
      if (self->heap->len)
        sift_down (self->heap, 0);
      self->func (d.item, d.tag, self->user_data);
    }
  if (!g_source_is_destroyed (source))
    rearm (self);

  return G_SOURCE_CONTINUE;
}

static void
deadlines_finalize (GSource *source)
{
  g_array_unref (((ConcurraDeadlines *) source)->heap);
}

static GSourceFuncs deadlines_funcs = {
  .dispatch = deadlines_dispatch,
  .finalize = deadlines_finalize,
};

ConcurraDeadlines *
concurra_deadlines_new (GMainContext         *context,
                        ConcurraDeadlineFunc  func,
                        gpointer              user_data)
{
  ConcurraDeadlines *self;

  self = (ConcurraDeadlines *) g_source_new (&deadlines_funcs, sizeof (ConcurraDeadlines));
  self->heap = g_array_new (FALSE, FALSE, sizeof (Deadline));
  self->func = func;
  self->user_data = user_data;
  g_source_set_static_name (&self->source, "[concurra] deadlines");
  g_source_set_can_recurse (&self->source, TRUE);
  g_source_set_ready_time (&self->source, -1);
  g_source_attach (&self->source, context);

  return self;
}

void
concurra_deadlines_add (ConcurraDeadlines *self,
                        gint64             when,
                        gpointer           item,
                        guint              tag)
{
  Deadline d = { when, item, tag };

  g_array_append_val (self->heap, d);
  sift_up (self->heap, self->heap->len - 1);
  if (AT (self->heap, 0).when == when)
    rearm (self);
}

/* Stops the timer; safe from inside a deadline callback. */
void
concurra_deadlines_stop (ConcurraDeadlines *self)
{
  g_source_destroy (&self->source);
}

void
concurra_deadlines_free (ConcurraDeadlines *self)
{
  g_source_destroy (&self->source);
  g_source_unref (&self->source);
}

/* A bit over 31 years: a longer wait never ends in practice, and this
 * keeps the monotonic arithmetic far from overflowing. */
#define MAX_WAIT_USEC ((gint64) 1000000000 * G_USEC_PER_SEC)

/* The monotonic time @seconds after @start, without overflow: a wait
 * longer than about 31 years, or infinite, is cut to that. -1 for a
 * negative or NaN wait. */
gint64
concurra_deadline_after (gint64 start,
                         double seconds)
{
  if (!(seconds >= 0))
    return -1;
  if (seconds * G_USEC_PER_SEC >= (double) MAX_WAIT_USEC)
    return start + MAX_WAIT_USEC;
  return start + (gint64) (seconds * G_USEC_PER_SEC);
}

/* The monotonic time at which a wait of @timeout seconds from now ends, or
 * -1 when @timeout sets no limit (the default, or infinite). */
gint64
concurra_deadline_for_timeout (double timeout)
{
  if (!concurra_timeout_is_limited (timeout))
    return -1;
  return concurra_deadline_after (g_get_monotonic_time (), timeout);
}
