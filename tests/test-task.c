/* test-task.c: ConcurraTask on its own: construction and settings, the
 * return_* value types, error-message formatting, traces, timestamps, the
 * a{sv} record of concurra_task_to_variant() and concurra_format_duration().
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include <concurra.h>

#include "test-concurra-helpers.h"

#define TIMESTAMP_REGEX "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"

/* Counts GDestroyNotify calls on an int. */
static void
count_destroy (gpointer data)
{
  int *count = data;

  (*count)++;
}

static void
noop_func (ConcurraTask *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
}

/* Runs @task alone in a fresh runner under @label and checks the run itself
 * succeeded (the task may fail). */
static void
run_task (ConcurraTask *task,
          const char   *label)
{
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("task-test");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  g_assert_true (concurra_runner_add (runner, task, label, NULL, &error));
  g_assert_no_error (error);
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_assert_true (g_hash_table_lookup (results, label) == task);
  g_assert_true (test_task_is_terminal (task));
  g_assert_true (concurra_task_is_done (task));
}

/* Creates a task around @func, runs it and returns it (transfer full). */
static ConcurraTask *
run_func (const char       *name,
          ConcurraTaskFunc  func,
          gpointer          user_data)
{
  ConcurraTask *task = concurra_task_new (name, func, user_data, NULL);

  run_task (task, "t");
  return task;
}

static GVariant *
task_record (ConcurraTask *task)
{
  GVariant *record = concurra_task_to_variant (task);

  g_assert_nonnull (record);
  /* works whether the record is returned floating or not */
  record = g_variant_take_ref (record);
  g_assert_true (g_variant_is_of_type (record, G_VARIANT_TYPE_VARDICT));
  return record;
}

/* Looks @key up in @record, asserting it is there with type @type. */
static GVariant *
record_lookup (GVariant   *record,
               const char *key,
               const char *type)
{
  g_autoptr(GVariant) any = g_variant_lookup_value (record, key, NULL);
  GVariant *value;

  if (any == NULL)
    g_error ("record has no key '%s'", key);
  if (!g_variant_is_of_type (any, G_VARIANT_TYPE (type)))
    g_error ("record key '%s' has type %s, expected %s",
             key, g_variant_get_type_string (any), type);
  value = g_variant_lookup_value (record, key, G_VARIANT_TYPE (type));
  g_assert_nonnull (value);
  return value;
}

/* The string inside a key of type "ms", or NULL for Nothing (transfer full). */
static char *
record_maybe_string (GVariant   *record,
                     const char *key)
{
  g_autoptr(GVariant) maybe = record_lookup (record, key, "ms");
  g_autoptr(GVariant) child = g_variant_get_maybe (maybe);

  return child ? g_variant_dup_string (child, NULL) : NULL;
}

static char *
record_string (GVariant   *record,
               const char *key)
{
  g_autoptr(GVariant) value = record_lookup (record, key, "s");

  return g_variant_dup_string (value, NULL);
}

/* The value inside a "result"-like key of type "mv", unwrapped, or NULL for
 * Nothing (transfer full). */
static GVariant *
record_result (GVariant   *record,
               const char *key)
{
  g_autoptr(GVariant) maybe = record_lookup (record, key, "mv");
  g_autoptr(GVariant) boxed = g_variant_get_maybe (maybe);

  return boxed ? g_variant_get_variant (boxed) : NULL;
}

/* --- construction and settings ------------------------------------------ */

static void
test_task_new (void)
{
  int destroyed = 0;
  ConcurraTask *task = concurra_task_new ("compute", noop_func, &destroyed, count_destroy);
  const char * const *retry_errors;

  g_assert_true (CONCURRA_IS_TASK (task));
  g_assert_cmpstr (concurra_task_get_name (task), ==, "compute");
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_PENDING);
  g_assert_false (concurra_task_get_has_failed (task));
  g_assert_false (concurra_task_is_done (task));
  g_assert_null (concurra_task_get_value (task));
  g_assert_null (concurra_task_get_pointer (task));
  g_assert_null (concurra_task_get_error (task));
  g_assert_null (concurra_task_get_error_message (task));
  g_assert_null (concurra_task_get_trace (task));
  g_assert_null (concurra_task_get_start_time (task));
  g_assert_null (concurra_task_get_end_time (task));
  g_assert_cmpfloat (concurra_task_get_duration (task), ==, 0.0);
  g_assert_cmpint (concurra_task_get_execution_mode (task), ==, CONCURRA_EXECUTION_MODE_NONE);
  g_assert_null (concurra_task_get_warning (task));
  g_assert_cmpuint (concurra_task_get_attempts (task), ==, 0);
  g_assert_false (concurra_task_get_retried (task));
  retry_errors = concurra_task_get_retry_errors (task);
  g_assert_true (retry_errors == NULL || retry_errors[0] == NULL);

  /* -1 means "the runner's default" */
  g_assert_cmpfloat (concurra_task_get_timeout (task), ==, -1.0);
  g_assert_cmpint (concurra_task_get_retries (task), ==, -1);
  g_assert_cmpfloat (concurra_task_get_retry_delay (task), ==, -1.0);

  concurra_task_set_timeout (task, 2.5);
  concurra_task_set_retries (task, 3);
  concurra_task_set_retry_delay (task, 0.25);
  g_assert_cmpfloat (concurra_task_get_timeout (task), ==, 2.5);
  g_assert_cmpint (concurra_task_get_retries (task), ==, 3);
  g_assert_cmpfloat (concurra_task_get_retry_delay (task), ==, 0.25);

  concurra_task_set_timeout (task, 0.0);
  g_assert_cmpfloat (concurra_task_get_timeout (task), ==, 0.0);

  /* one convention: any negative value is the default, an infinity none */
  concurra_task_set_timeout (task, -0.5);
  g_assert_cmpfloat (concurra_task_get_timeout (task), ==, CONCURRA_TIMEOUT_DEFAULT);
  concurra_task_set_timeout (task, INFINITY);
  g_assert_cmpfloat (concurra_task_get_timeout (task), ==, CONCURRA_TIMEOUT_INFINITE);
  g_assert_cmpfloat (CONCURRA_TIMEOUT_INFINITE, ==, G_MAXDOUBLE);

  g_assert_cmpint (destroyed, ==, 0);
  g_object_unref (task);
  /* the function's data is released with the task */
  g_assert_cmpint (destroyed, ==, 1);
}

static void
test_task_properties (void)
{
  g_autoptr(ConcurraTask) task = concurra_task_new ("compute", noop_func, NULL, NULL);
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;
  ConcurraTaskStatus status;
  gboolean has_failed;
  guint attempts;
  double timeout;
  int retries;
  int notified = 0;

  g_object_get (task,
                "name", &name,
                "label", &label,
                "status", &status,
                "has-failed", &has_failed,
                "attempts", &attempts,
                "timeout", &timeout,
                "retries", &retries,
                NULL);
  g_assert_cmpstr (name, ==, "compute");
  g_assert_null (label);
  g_assert_cmpint (status, ==, CONCURRA_TASK_STATUS_PENDING);
  g_assert_false (has_failed);
  g_assert_cmpuint (attempts, ==, 0);
  g_assert_cmpfloat (timeout, ==, -1.0);
  g_assert_cmpint (retries, ==, -1);

  g_signal_connect_swapped (task, "notify::timeout", G_CALLBACK (count_destroy), &notified);
  g_object_set (task, "timeout", 1.5, "retries", 2, NULL);
  g_assert_cmpfloat (concurra_task_get_timeout (task), ==, 1.5);
  g_assert_cmpint (concurra_task_get_retries (task), ==, 2);
  g_assert_cmpint (notified, ==, 1);

  /* the label is set by the runner */
  run_task (task, "labelled");
  g_assert_cmpstr (concurra_task_get_label (task), ==, "labelled");
  g_clear_pointer (&label, g_free);
  g_object_get (task, "label", &label, "status", &status, NULL);
  g_assert_cmpstr (label, ==, "labelled");
  g_assert_cmpint (status, ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
}

/* --- return types -------------------------------------------------------- */

static void
return_nothing_func (ConcurraTask *task,
                     GCancellable *cancellable,
                     gpointer      user_data)
{
  g_assert_true (CONCURRA_IS_TASK (task));
  g_assert_true (G_IS_CANCELLABLE (cancellable));
  g_assert_false (g_cancellable_is_cancelled (cancellable));
}

static void
test_task_return_none (void)
{
  g_autoptr(ConcurraTask) task = run_func ("nothing", return_nothing_func, NULL);
  g_autoptr(GVariant) record = task_record (task);
  g_autoptr(GVariant) result = record_lookup (record, "result", "mv");
  g_autoptr(GVariant) output = record_lookup (record, "output", "mv");
  g_autoptr(GVariant) result_child = g_variant_get_maybe (result);
  g_autoptr(GVariant) output_child = g_variant_get_maybe (output);

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_false (concurra_task_get_has_failed (task));
  g_assert_null (concurra_task_get_value (task));
  g_assert_null (concurra_task_get_error (task));
  g_assert_null (concurra_task_get_error_message (task));
  g_assert_null (result_child);
  g_assert_null (output_child);
}

static void
return_int_func (ConcurraTask *task,
                 GCancellable *cancellable,
                 gpointer      user_data)
{
  concurra_task_return_int (task, G_MAXINT64 - 1);
}

static void
test_task_return_int (void)
{
  g_autoptr(ConcurraTask) task = run_func ("int", return_int_func, NULL);
  const GValue *value = concurra_task_get_value (task);
  g_autoptr(GVariant) record = task_record (task);
  g_autoptr(GVariant) result = record_lookup (record, "result", "mv");
  g_autoptr(GVariant) output = record_lookup (record, "output", "mv");
  g_autoptr(GVariant) child = record_result (record, "result");

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_INT64 (value));
  g_assert_cmpint (g_value_get_int64 (value), ==, G_MAXINT64 - 1);

  g_assert_nonnull (child);
  g_assert_true (g_variant_is_of_type (child, G_VARIANT_TYPE_INT64));
  g_assert_cmpint (g_variant_get_int64 (child), ==, G_MAXINT64 - 1);
  /* output is an alias of result */
  g_assert_true (g_variant_equal (result, output));
}

static void
return_double_func (ConcurraTask *task,
                    GCancellable *cancellable,
                    gpointer      user_data)
{
  concurra_task_return_double (task, 2.75);
}

static void
test_task_return_double (void)
{
  g_autoptr(ConcurraTask) task = run_func ("double", return_double_func, NULL);
  const GValue *value = concurra_task_get_value (task);
  g_autoptr(GVariant) record = task_record (task);
  g_autoptr(GVariant) child = record_result (record, "result");

  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_DOUBLE (value));
  g_assert_cmpfloat (g_value_get_double (value), ==, 2.75);
  g_assert_nonnull (child);
  g_assert_true (g_variant_is_of_type (child, G_VARIANT_TYPE_DOUBLE));
  g_assert_cmpfloat (g_variant_get_double (child), ==, 2.75);
}

static void
return_string_func (ConcurraTask *task,
                    GCancellable *cancellable,
                    gpointer      user_data)
{
  /* the task must copy: the buffer is gone when the function returns */
  g_autofree char *text = g_strdup_printf ("hello %s", "world");

  concurra_task_return_string (task, text);
}

static void
test_task_return_string (void)
{
  g_autoptr(ConcurraTask) task = run_func ("string", return_string_func, NULL);
  const GValue *value = concurra_task_get_value (task);
  g_autoptr(GVariant) record = task_record (task);
  g_autoptr(GVariant) child = record_result (record, "result");

  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_STRING (value));
  g_assert_cmpstr (g_value_get_string (value), ==, "hello world");
  g_assert_nonnull (child);
  g_assert_true (g_variant_is_of_type (child, G_VARIANT_TYPE_STRING));
  g_assert_cmpstr (g_variant_get_string (child, NULL), ==, "hello world");
}

static void
return_boolean_func (ConcurraTask *task,
                     GCancellable *cancellable,
                     gpointer      user_data)
{
  concurra_task_return_boolean (task, TRUE);
}

static void
test_task_return_boolean (void)
{
  g_autoptr(ConcurraTask) task = run_func ("boolean", return_boolean_func, NULL);
  const GValue *value = concurra_task_get_value (task);
  g_autoptr(GVariant) record = task_record (task);
  g_autoptr(GVariant) child = record_result (record, "result");

  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_BOOLEAN (value));
  g_assert_true (g_value_get_boolean (value));
  g_assert_nonnull (child);
  g_assert_true (g_variant_is_of_type (child, G_VARIANT_TYPE_BOOLEAN));
  g_assert_true (g_variant_get_boolean (child));
}

static void
return_variant_func (ConcurraTask *task,
                     GCancellable *cancellable,
                     gpointer      user_data)
{
  /* a floating reference: the task sinks it */
  concurra_task_return_variant (task, g_variant_new ("(si)", "answer", 42));
}

static void
test_task_return_variant (void)
{
  g_autoptr(ConcurraTask) task = run_func ("variant", return_variant_func, NULL);
  const GValue *value = concurra_task_get_value (task);
  g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new ("(si)", "answer", 42));
  g_autoptr(GVariant) record = task_record (task);
  g_autoptr(GVariant) child = record_result (record, "result");
  GVariant *held;

  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_VARIANT (value));
  held = g_value_get_variant (value);
  g_assert_nonnull (held);
  g_assert_false (g_variant_is_floating (held));
  g_assert_true (g_variant_equal (held, expected));
  g_assert_nonnull (child);
  /* the returned variant itself, boxed once as the "v" of "mv" */
  if (!g_variant_equal (child, expected))
    {
      g_autofree char *got = g_variant_print (child, TRUE);

      g_error ("record result is %s, expected (\'answer\', 42)", got);
    }
}

static void
return_object_func (ConcurraTask *task,
                    GCancellable *cancellable,
                    gpointer      user_data)
{
  GObject **out = user_data;
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  g_object_set_data_full (object, "payload", g_strdup ("carried"), g_free);
  *out = object;
  g_object_add_weak_pointer (object, (gpointer *) out);
  concurra_task_return_object (task, object);
  /* return_object takes its own reference (transfer none) */
  g_object_unref (object);
}

static void
test_task_return_object (void)
{
  GObject *object = NULL;
  ConcurraTask *task = run_func ("object", return_object_func, &object);
  const GValue *value = concurra_task_get_value (task);

  g_assert_nonnull (object);
  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_OBJECT (value));
  g_assert_true (g_value_get_object (value) == object);
  g_assert_cmpstr (g_object_get_data (object, "payload"), ==, "carried");

  /* the task holds the only reference; it goes with the task */
  g_object_unref (task);
  g_assert_null (object);
}

typedef struct
{
  int      destroyed;
  gpointer pointer;
} PointerData;

static void
pointer_destroy (gpointer data)
{
  PointerData *pd = data;

  g_atomic_int_inc (&pd->destroyed);
}

static void
return_pointer_func (ConcurraTask *task,
                     GCancellable *cancellable,
                     gpointer      user_data)
{
  PointerData *pd = user_data;

  pd->pointer = pd;
  concurra_task_return_pointer (task, pd, pointer_destroy);
}

static void
test_task_return_pointer (void)
{
  PointerData pd = { 0, NULL };
  ConcurraTask *task = run_func ("pointer", return_pointer_func, &pd);
  const GValue *value = concurra_task_get_value (task);

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_SUCCESSFUL);
  g_assert_true (concurra_task_get_pointer (task) == &pd);
  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS_POINTER (value));
  g_assert_true (g_value_get_pointer (value) == &pd);

  /* still owned by the task until it goes away, then destroyed once */
  g_assert_cmpint (g_atomic_int_get (&pd.destroyed), ==, 0);
  g_object_unref (task);
  g_assert_cmpint (g_atomic_int_get (&pd.destroyed), ==, 1);
}

static void
return_value_func (ConcurraTask *task,
                   GCancellable *cancellable,
                   gpointer      user_data)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRV);
  g_value_take_boxed (&value, g_strsplit ("a,b,c", ",", -1));
  concurra_task_return_value (task, &value);
  /* the task copies the value */
  g_value_unset (&value);
}

static void
test_task_return_value (void)
{
  g_autoptr(ConcurraTask) task = run_func ("value", return_value_func, NULL);
  const GValue *value = concurra_task_get_value (task);
  const char * const *strv;

  g_assert_nonnull (value);
  g_assert_true (G_VALUE_HOLDS (value, G_TYPE_STRV));
  strv = g_value_get_boxed (value);
  g_assert_nonnull (strv);
  g_assert_cmpuint (g_strv_length ((char **) strv), ==, 3);
  g_assert_cmpstr (strv[2], ==, "c");
}

/* --- errors -------------------------------------------------------------- */

static void
foreign_error_func (ConcurraTask *task,
                    GCancellable *cancellable,
                    gpointer      user_data)
{
  concurra_task_return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "boom"));
}

static void
test_task_error_foreign_domain (void)
{
  g_autoptr(ConcurraTask) task = run_func ("foreign", foreign_error_func, NULL);
  const GError *error = concurra_task_get_error (task);
  g_autoptr(GVariant) record = task_record (task);
  g_autofree char *record_error = record_maybe_string (record, "error");
  g_autofree char *status = record_string (record, "status");
  g_autoptr(GVariant) has_failed = record_lookup (record, "has_failed", "b");
  g_autoptr(GVariant) child = record_result (record, "result");

  g_assert_cmpint (G_IO_ERROR_NOT_FOUND, ==, 1);
  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_true (concurra_task_get_has_failed (task));
  /* the error itself is kept as returned */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "boom");
  g_assert_cmpstr (concurra_task_get_error_message (task), ==, "boom");
  g_assert_null (concurra_task_get_value (task));
  g_assert_null (concurra_task_get_trace (task));

  g_assert_cmpstr (record_error, ==, "g-io-error-quark.1: boom");
  g_assert_cmpstr (status, ==, "Failed");
  g_assert_true (g_variant_get_boolean (has_failed));
  g_assert_null (child);
}

static void
concurra_error_func (ConcurraTask *task,
                     GCancellable *cancellable,
                     gpointer      user_data)
{
  concurra_task_return_error (task, g_error_new_literal (CONCURRA_ERROR,
                                                         CONCURRA_ERROR_COMMAND_FAILED,
                                                         "exit status 3"));
}

static void
test_task_error_concurra_domain (void)
{
  g_autoptr(ConcurraTask) task = run_func ("own", concurra_error_func, NULL);
  const GError *error = concurra_task_get_error (task);
  g_autoptr(GVariant) record = concurra_task_to_variant (task);
  const char *message = NULL;

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (error, CONCURRA_ERROR, CONCURRA_ERROR_COMMAND_FAILED);
  g_assert_cmpstr (error->message, ==, "exit status 3");
  /* error-message is the human text, for a user interface */
  g_assert_cmpstr (concurra_task_get_error_message (task), ==, "exit status 3");

  /* the record says "ConcurraError.NICK: message", as Concurra's does */
  g_assert_true (g_variant_lookup (record, "error", "m&s", &message));
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (message, "ConcurraError."));
  g_assert_true (g_str_has_suffix (message, ": exit status 3"));
  g_assert_null (strstr (message, "quark"));

  /* NAME is the enum value's name without the CONCURRA_ERROR_ prefix, as
   * the bindings spell it (Concurra.Error.COMMAND_FAILED) */
  g_assert_cmpstr (message, ==, "ConcurraError.COMMAND_FAILED: exit status 3");
}

static void
new_error_func (ConcurraTask *task,
                GCancellable *cancellable,
                gpointer      user_data)
{
  concurra_task_return_new_error (task, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                                  "no such file: %s (%d)", "input.txt", 7);
}

static void
test_task_error_new_error (void)
{
  g_autoptr(ConcurraTask) task = run_func ("new-error", new_error_func, NULL);
  g_autofree char *expected = g_strdup_printf ("g-file-error-quark.%d: no such file: input.txt (7)",
                                               G_FILE_ERROR_NOENT);
  g_autoptr(GVariant) record = concurra_task_to_variant (task);
  const char *recorded = NULL;

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_error (concurra_task_get_error (task), G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpstr (concurra_task_get_error (task)->message, ==, "no such file: input.txt (7)");
  g_assert_cmpstr (concurra_task_get_error_message (task), ==, "no such file: input.txt (7)");
  /* the record keeps the domain and code, as Concurra's keeps the type */
  g_assert_true (g_variant_lookup (record, "error", "m&s", &recorded));
  g_assert_cmpstr (recorded, ==, expected);
}

#define TRACE_TEXT "Traceback:\n  at step_one (pipeline.c:10)\n  at main (pipeline.c:42)"

static void
trace_func (ConcurraTask *task,
            GCancellable *cancellable,
            gpointer      user_data)
{
  g_autofree char *trace = g_strdup (TRACE_TEXT);

  concurra_task_return_error_full (task,
                                   g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "broken"),
                                   trace);
}

static void
test_task_error_trace (void)
{
  g_autoptr(ConcurraTask) task = run_func ("trace", trace_func, NULL);
  g_autoptr(GVariant) record = task_record (task);
  g_autofree char *record_trace = record_maybe_string (record, "trace");
  g_autofree char *record_error = record_maybe_string (record, "error");

  g_assert_cmpint (concurra_task_get_status (task), ==, CONCURRA_TASK_STATUS_FAILED);
  g_assert_cmpstr (concurra_task_get_trace (task), ==, TRACE_TEXT);
  g_assert_cmpstr (concurra_task_get_error_message (task), ==, "broken");
  g_assert_cmpstr (record_trace, ==, TRACE_TEXT);
  g_assert_cmpstr (record_error, ==, "g-io-error-quark.0: broken");
}

/* --- the record ---------------------------------------------------------- */

static const struct {
  const char *key;
  const char *type;
} record_keys[] = {
  { "task_name", "s" },
  { "label", "s" },
  { "start_time", "ms" },
  { "end_time", "ms" },
  { "duration", "s" },
  { "duration_seconds", "d" },
  { "result", "mv" },
  { "output", "mv" },
  { "error", "ms" },
  { "trace", "ms" },
  { "status", "s" },
  { "has_failed", "b" },
  { "execution_mode", "ms" },
  { "warning", "ms" },
  { "attempts", "u" },
  { "task_retries", "i" },
  { "retried", "b" },
  { "retry_errors", "as" },
};

static void
assert_record_keys (GVariant *record)
{
  for (guint i = 0; i < G_N_ELEMENTS (record_keys); i++)
    {
      g_autoptr(GVariant) value = record_lookup (record, record_keys[i].key, record_keys[i].type);
    }
}

static void
sleep_int_func (ConcurraTask *task,
                GCancellable *cancellable,
                gpointer      user_data)
{
  g_usleep (50 * 1000);
  concurra_task_return_int (task, 16);
}

static void
test_task_to_variant_success (void)
{
  g_autoptr(ConcurraTask) task = run_func ("square", sleep_int_func, NULL);
  g_autoptr(GVariant) record = task_record (task);
  g_autofree char *task_name = record_string (record, "task_name");
  g_autofree char *label = record_string (record, "label");
  g_autofree char *start_time = record_maybe_string (record, "start_time");
  g_autofree char *end_time = record_maybe_string (record, "end_time");
  g_autofree char *duration = record_string (record, "duration");
  g_autoptr(GVariant) duration_seconds = record_lookup (record, "duration_seconds", "d");
  g_autofree char *error = record_maybe_string (record, "error");
  g_autofree char *trace = record_maybe_string (record, "trace");
  g_autofree char *status = record_string (record, "status");
  g_autoptr(GVariant) has_failed = record_lookup (record, "has_failed", "b");
  g_autofree char *mode = record_maybe_string (record, "execution_mode");
  g_autofree char *warning = record_maybe_string (record, "warning");
  g_autoptr(GVariant) attempts = record_lookup (record, "attempts", "u");
  g_autoptr(GVariant) task_retries = record_lookup (record, "task_retries", "i");
  g_autoptr(GVariant) retried = record_lookup (record, "retried", "b");
  g_autoptr(GVariant) retry_errors = record_lookup (record, "retry_errors", "as");

  assert_record_keys (record);
  g_assert_cmpstr (task_name, ==, "square");
  g_assert_cmpstr (label, ==, "t");
  g_assert_nonnull (start_time);
  g_assert_nonnull (end_time);
  g_assert_true (g_regex_match_simple (TIMESTAMP_REGEX, start_time, 0, 0));
  g_assert_true (g_regex_match_simple (TIMESTAMP_REGEX, end_time, 0, 0));
  g_assert_cmpstr (start_time, <=, end_time);
  g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]{1,2} (sec|min)$", duration, 0, 0));
  g_assert_cmpfloat (g_variant_get_double (duration_seconds), >=, 0.04);
  g_assert_cmpfloat (g_variant_get_double (duration_seconds), <, TEST_LONG_WAIT);
  /* rounded to hundredths, as Concurra's 1.01; the property keeps it exact */
  g_assert_cmpfloat_with_epsilon (g_variant_get_double (duration_seconds),
                                  concurra_task_get_duration (task), 0.00501);
  g_assert_cmpfloat_with_epsilon (g_variant_get_double (duration_seconds) * 100.0,
                                  (double) (gint64) (g_variant_get_double (duration_seconds) * 100.0 + 0.5),
                                  1e-6);
  g_assert_null (error);
  g_assert_null (trace);
  g_assert_cmpstr (status, ==, "Successful");
  g_assert_false (g_variant_get_boolean (has_failed));
  g_assert_cmpstr (mode, ==, "thread");
  g_assert_null (warning);
  g_assert_cmpuint (g_variant_get_uint32 (attempts), ==, 1);
  g_assert_cmpint (g_variant_get_int32 (task_retries), ==, 0);
  g_assert_false (g_variant_get_boolean (retried));
  g_assert_cmpuint (g_variant_n_children (retry_errors), ==, 0);
}

static void
test_task_to_variant_unstarted (void)
{
  /* a task that never started: every optional field is Nothing */
  g_autoptr(ConcurraTask) task = concurra_task_new ("idle", noop_func, NULL, NULL);
  g_autoptr(GVariant) record = task_record (task);
  g_autofree char *start_time = record_maybe_string (record, "start_time");
  g_autofree char *end_time = record_maybe_string (record, "end_time");
  g_autofree char *mode = record_maybe_string (record, "execution_mode");
  g_autofree char *error = record_maybe_string (record, "error");
  g_autoptr(GVariant) attempts = record_lookup (record, "attempts", "u");
  g_autoptr(GVariant) duration_seconds = record_lookup (record, "duration_seconds", "d");
  g_autofree char *task_name = record_string (record, "task_name");

  assert_record_keys (record);
  g_assert_cmpstr (task_name, ==, "idle");
  g_assert_null (start_time);
  g_assert_null (end_time);
  g_assert_null (mode);
  g_assert_null (error);
  g_assert_cmpuint (g_variant_get_uint32 (attempts), ==, 0);
  g_assert_cmpfloat (g_variant_get_double (duration_seconds), ==, 0.0);
}

static void
fail_func (ConcurraTask *task,
           GCancellable *cancellable,
           gpointer      user_data)
{
  concurra_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "upstream broke");
}

static void
test_task_to_variant_skipped (void)
{
  /* a dependent of a failed task: TERMINATED, never ran */
  g_autoptr(ConcurraRunner) runner = concurra_runner_new ("record");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) results = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autofree char *status = NULL;
  g_autofree char *record_error = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *start_time = NULL;
  g_autoptr(GVariant) attempts = NULL;
  g_autoptr(GVariant) has_failed = NULL;
  const char *deps[] = { "up", NULL };
  ConcurraTask *down;

  concurra_runner_set_verify_on_finish (runner, FALSE);
  g_assert_nonnull (concurra_runner_add_task (runner, "up", NULL, fail_func, NULL, NULL, &error));
  g_assert_no_error (error);
  down = concurra_runner_add_task (runner, "down", deps, noop_func, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (down);
  results = concurra_runner_run (runner, NULL, &error);
  g_assert_no_error (error);

  record = task_record (down);
  assert_record_keys (record);
  status = record_string (record, "status");
  record_error = record_maybe_string (record, "error");
  mode = record_maybe_string (record, "execution_mode");
  start_time = record_maybe_string (record, "start_time");
  attempts = record_lookup (record, "attempts", "u");
  has_failed = record_lookup (record, "has_failed", "b");

  g_assert_cmpstr (status, ==, "Terminated");
  g_assert_cmpstr (record_error, ==, "Skipped: dependency [up] failed or was terminated");
  g_assert_null (mode);
  g_assert_null (start_time);
  g_assert_cmpuint (g_variant_get_uint32 (attempts), ==, 0);
  g_assert_true (g_variant_get_boolean (has_failed));
}

static void
test_task_to_variant_retries (void)
{
  /* task_retries reports the budget configured for the task */
  g_autoptr(ConcurraTask) task = concurra_task_new ("flaky", fail_func, NULL, NULL);
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) task_retries = NULL;
  g_autoptr(GVariant) attempts = NULL;
  g_autoptr(GVariant) retried = NULL;
  g_autoptr(GVariant) retry_errors = NULL;
  const char *first;

  concurra_task_set_retries (task, 2);
  run_task (task, "t");

  record = task_record (task);
  task_retries = record_lookup (record, "task_retries", "i");
  attempts = record_lookup (record, "attempts", "u");
  retried = record_lookup (record, "retried", "b");
  retry_errors = record_lookup (record, "retry_errors", "as");

  g_assert_cmpint (g_variant_get_int32 (task_retries), ==, 2);
  g_assert_cmpuint (g_variant_get_uint32 (attempts), ==, 3);
  g_assert_true (g_variant_get_boolean (retried));
  g_assert_cmpuint (g_variant_n_children (retry_errors), ==, 2);
  g_variant_get_child (retry_errors, 0, "&s", &first);
  g_assert_cmpstr (first, ==, "g-io-error-quark.0: upstream broke");
}

/* --- time ---------------------------------------------------------------- */

static void
test_task_timestamps (void)
{
  g_autoptr(ConcurraTask) task = run_func ("sleeper", sleep_int_func, NULL);
  GDateTime *start = concurra_task_get_start_time (task);
  GDateTime *end = concurra_task_get_end_time (task);
  g_autoptr(GDateTime) start_local = NULL;
  g_autoptr(GDateTime) end_local = NULL;
  g_autofree char *start_text = NULL;
  g_autofree char *end_text = NULL;
  g_autoptr(GVariant) record = task_record (task);
  g_autofree char *record_start = record_maybe_string (record, "start_time");
  g_autofree char *record_end = record_maybe_string (record, "end_time");
  g_autofree char *record_duration = record_string (record, "duration");
  g_autofree char *expected_duration = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  double duration = concurra_task_get_duration (task);

  g_assert_nonnull (start);
  g_assert_nonnull (end);
  g_assert_cmpint (g_date_time_compare (start, end), <=, 0);
  /* the function slept 50 ms */
  g_assert_cmpint (g_date_time_difference (end, start), >=, 40 * 1000);
  g_assert_cmpint (g_date_time_difference (now, start), <, 600 * G_USEC_PER_SEC);
  g_assert_cmpint (g_date_time_difference (now, end), >=, 0);
  g_assert_cmpfloat (duration, >=, 0.04);
  g_assert_cmpfloat (duration, <=, g_date_time_difference (end, start) / (double) G_USEC_PER_SEC + 1.0);

  /* the record's times are the local "YYYY-MM-DD HH:MM:SS" of the task's */
  start_local = g_date_time_to_local (start);
  end_local = g_date_time_to_local (end);
  start_text = g_date_time_format (start_local, "%Y-%m-%d %H:%M:%S");
  end_text = g_date_time_format (end_local, "%Y-%m-%d %H:%M:%S");
  g_assert_true (g_regex_match_simple (TIMESTAMP_REGEX, record_start, 0, 0));
  g_assert_cmpstr (record_start, ==, start_text);
  g_assert_cmpstr (record_end, ==, end_text);

  expected_duration = concurra_format_duration (duration);
  g_assert_cmpstr (record_duration, ==, expected_duration);
}

static void
assert_duration (double      seconds,
                 const char *expected)
{
  g_autofree char *text = concurra_format_duration (seconds);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_task_format_duration (void)
{
  assert_duration (1.0123, "1.01 sec");
  assert_duration (150, "2.5 min");
  assert_duration (0, "0.0 sec");
  assert_duration (2.0, "2.0 sec");
  assert_duration (0.04, "0.04 sec");
  assert_duration (1.04, "1.04 sec");
  assert_duration (59.5, "59.5 sec");
  assert_duration (60, "1.0 min");
  assert_duration (90, "1.5 min");
  assert_duration (3600, "60.0 min");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/task/new", test_task_new);
  g_test_add_func ("/task/properties", test_task_properties);
  g_test_add_func ("/task/return/none", test_task_return_none);
  g_test_add_func ("/task/return/int", test_task_return_int);
  g_test_add_func ("/task/return/double", test_task_return_double);
  g_test_add_func ("/task/return/string", test_task_return_string);
  g_test_add_func ("/task/return/boolean", test_task_return_boolean);
  g_test_add_func ("/task/return/variant", test_task_return_variant);
  g_test_add_func ("/task/return/object", test_task_return_object);
  g_test_add_func ("/task/return/pointer", test_task_return_pointer);
  g_test_add_func ("/task/return/value", test_task_return_value);
  g_test_add_func ("/task/error/foreign-domain", test_task_error_foreign_domain);
  g_test_add_func ("/task/error/concurra-domain", test_task_error_concurra_domain);
  g_test_add_func ("/task/error/new-error", test_task_error_new_error);
  g_test_add_func ("/task/error/trace", test_task_error_trace);
  g_test_add_func ("/task/to-variant/success", test_task_to_variant_success);
  g_test_add_func ("/task/to-variant/unstarted", test_task_to_variant_unstarted);
  g_test_add_func ("/task/to-variant/skipped", test_task_to_variant_skipped);
  g_test_add_func ("/task/to-variant/retries", test_task_to_variant_retries);
  g_test_add_func ("/task/timestamps", test_task_timestamps);
  g_test_add_func ("/task/format-duration", test_task_format_duration);

  return g_test_run ();
}
