/* concurra-task-owner.c: the handle through which a task and its waiters
 * reach whatever runs the task, without knowing what that is.
 *
 * A runner gives each task it adds a reference on its handle. A task asks
 * it to cancel the task on the owner context; a waiter asks it for the
 * owner context and thread, so that a wait from that thread iterates the
 * context instead of blocking it. The runner detaches the handle when it is
 * disposed: from then on the handle answers "nobody", and tasks and waiters
 * that outlive the runner hold a small struct, not the runner.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-task-private.h"

struct _ConcurraTaskOwner
{
  GMutex                          lock;    /* object */
  GObject                        *object;  /* unowned; NULL once detached */
  const ConcurraTaskOwnerClass   *klass;
};

ConcurraTaskOwner *
concurra_task_owner_new (GObject                      *object,
                         const ConcurraTaskOwnerClass *klass)
{
  ConcurraTaskOwner *owner = g_atomic_rc_box_new0 (ConcurraTaskOwner);

  g_mutex_init (&owner->lock);
  owner->object = object;
  owner->klass = klass;
  return owner;
}

ConcurraTaskOwner *
concurra_task_owner_ref (ConcurraTaskOwner *owner)
{
  return g_atomic_rc_box_acquire (owner);
}

static void
owner_clear (ConcurraTaskOwner *owner)
{
  g_mutex_clear (&owner->lock);
}

void
concurra_task_owner_unref (ConcurraTaskOwner *owner)
{
  g_atomic_rc_box_release_full (owner, (GDestroyNotify) owner_clear);
}

void
concurra_task_owner_detach (ConcurraTaskOwner *owner)
{
  g_mutex_lock (&owner->lock);
  owner->object = NULL;
  g_mutex_unlock (&owner->lock);
}

/* The owner with a reference, or NULL once it is gone. The call it is
 * taken for runs without the handle's lock: the owner may take its own. */
static GObject *
owner_dup_object (ConcurraTaskOwner *owner)
{
  GObject *object;

  g_mutex_lock (&owner->lock);
  object = owner->object ? g_object_ref (owner->object) : NULL;
  g_mutex_unlock (&owner->lock);
  return object;
}

gboolean
concurra_task_owner_cancel (ConcurraTaskOwner *owner,
                            ConcurraTask      *task)
{
  g_autoptr(GObject) object = owner_dup_object (owner);

  if (object == NULL)
    return FALSE;
  owner->klass->cancel_task (object, task);
  return TRUE;
}

GMainContext *
concurra_task_owner_dup_context (ConcurraTaskOwner  *owner,
                                 GThread           **owner_thread)
{
  g_autoptr(GObject) object = owner_dup_object (owner);

  *owner_thread = NULL;
  if (object == NULL)
    return NULL;
  return owner->klass->dup_context (object, owner_thread);
}
