/* concurra-slurm-options.c: ConcurraSlurmOptions, the resources a task
 * asks Slurm for.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "concurra-error.h"
#include "concurra-slurm-options.h"

#include <math.h>
#include <string.h>

/**
 * ConcurraSlurmOptions:
 *
 * What a task run through Slurm asks for: CPUs, memory, a partition, the
 * margin added to its timeout to make the job's time limit, and any other
 * `srun` options. A runner's options (see
 * [property@Concurra.Runner:slurm-options]) are the defaults of its tasks;
 * a task's own (see [method@Concurra.Task.set_slurm_options]) override
 * them one setting at a time: a setting left unset (0 CPUs, %NULL memory
 * or partition, a negative margin) is taken from the runner, and extra
 * arguments are the runner's followed by the task's.
 *
 * The options are checked when the run starts (and, for a task's own, when
 * the task is added): a bad value is a %CONCURRA_ERROR_INVALID_ARGUMENT
 * that names the task and the option; [method@Concurra.SlurmOptions.validate]
 * checks them at any time.
 *
 * See [method@Concurra.Runner.set_launcher] and the "Scaling out" guide.
 *
 * Since: 1.0
 */

struct _ConcurraSlurmOptions
{
  GObject   parent_instance;

  guint     cpus;
  char     *mem;
  char     *partition;
  double    time_margin;
  char    **extra_args;
};

enum {
  PROP_0,
  PROP_CPUS,
  PROP_MEM,
  PROP_PARTITION,
  PROP_TIME_MARGIN,
  PROP_EXTRA_ARGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ConcurraSlurmOptions, concurra_slurm_options, G_TYPE_OBJECT)

static void
concurra_slurm_options_finalize (GObject *object)
{
  ConcurraSlurmOptions *self = CONCURRA_SLURM_OPTIONS (object);

  g_free (self->mem);
  g_free (self->partition);
  g_strfreev (self->extra_args);
  G_OBJECT_CLASS (concurra_slurm_options_parent_class)->finalize (object);
}

static void
concurra_slurm_options_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ConcurraSlurmOptions *self = CONCURRA_SLURM_OPTIONS (object);

  switch (prop_id)
    {
    case PROP_CPUS:
      g_value_set_uint (value, self->cpus);
      break;
    case PROP_MEM:
      g_value_set_string (value, self->mem);
      break;
    case PROP_PARTITION:
      g_value_set_string (value, self->partition);
      break;
    case PROP_TIME_MARGIN:
      g_value_set_double (value, self->time_margin);
      break;
    case PROP_EXTRA_ARGS:
      g_value_set_boxed (value, self->extra_args);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concurra_slurm_options_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ConcurraSlurmOptions *self = CONCURRA_SLURM_OPTIONS (object);

  switch (prop_id)
    {
    case PROP_CPUS:
      concurra_slurm_options_set_cpus (self, g_value_get_uint (value));
      break;
    case PROP_MEM:
      concurra_slurm_options_set_mem (self, g_value_get_string (value));
      break;
    case PROP_PARTITION:
      concurra_slurm_options_set_partition (self, g_value_get_string (value));
      break;
    case PROP_TIME_MARGIN:
      concurra_slurm_options_set_time_margin (self, g_value_get_double (value));
      break;
    case PROP_EXTRA_ARGS:
      concurra_slurm_options_set_extra_args (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW_FLAGS (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
concurra_slurm_options_class_init (ConcurraSlurmOptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = concurra_slurm_options_finalize;
  object_class->get_property = concurra_slurm_options_get_property;
  object_class->set_property = concurra_slurm_options_set_property;

  /**
   * ConcurraSlurmOptions:cpus:
   *
   * The CPUs the task needs (`srun --cpus-per-task`); 0, the default,
   * leaves it to the runner's options, then to Slurm (one CPU).
   *
   * Since: 1.0
   */
  properties[PROP_CPUS] =
    g_param_spec_uint ("cpus", NULL, NULL, 0, G_MAXINT, 0, RW_FLAGS);

  /**
   * ConcurraSlurmOptions:mem:
   *
   * The memory the task needs (`srun --mem`), in Slurm's notation: a
   * number of megabytes, or a number followed by `K`, `M`, `G` or `T`
   * (`"512M"`, `"4G"`). %NULL, the default, leaves it to the runner's
   * options, then to the partition's default.
   *
   * Since: 1.0
   */
  properties[PROP_MEM] =
    g_param_spec_string ("mem", NULL, NULL, NULL, RW_FLAGS);

  /**
   * ConcurraSlurmOptions:partition:
   *
   * The partition (queue) to run in (`srun --partition`), or a
   * comma-separated list of them. %NULL, the default, leaves it to the
   * runner's options, then to the cluster's default partition.
   *
   * Since: 1.0
   */
  properties[PROP_PARTITION] =
    g_param_spec_string ("partition", NULL, NULL, NULL, RW_FLAGS);

  /**
   * ConcurraSlurmOptions:time-margin:
   *
   * Seconds added to a task's timeout to make the job's time limit
   * (`srun --time`, rounded up to whole minutes, as Slurm counts them):
   * the runner stops the task at its timeout, and Slurm's limit only
   * stands in for it if this process is gone. A task without a timeout
   * gets no time limit (the partition's applies). Negative, the default,
   * leaves it to the runner's options, then to 60 seconds.
   *
   * Since: 1.0
   */
  properties[PROP_TIME_MARGIN] =
    g_param_spec_double ("time-margin", NULL, NULL, -1, G_MAXDOUBLE, -1, RW_FLAGS);

  /**
   * ConcurraSlurmOptions:extra-args:
   *
   * More `srun` options, each one element in the `--name=value` form
   * (`"--constraint=avx2"`, `"--gres=gpu:1"`, `"--exclusive"`). They
   * come after the ones the runner makes, so they can override them.
   *
   * Since: 1.0
   */
  properties[PROP_EXTRA_ARGS] =
    g_param_spec_boxed ("extra-args", NULL, NULL, G_TYPE_STRV, RW_FLAGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concurra_slurm_options_init (ConcurraSlurmOptions *self)
{
  self->time_margin = -1;
}

/**
 * concurra_slurm_options_new:
 *
 * Creates options with every setting unset.
 *
 * Returns: (transfer full): new options
 *
 * Since: 1.0
 */
ConcurraSlurmOptions *
concurra_slurm_options_new (void)
{
  return g_object_new (CONCURRA_TYPE_SLURM_OPTIONS, NULL);
}

/**
 * concurra_slurm_options_get_cpus:
 * @options: options
 *
 * Gets the CPUs asked for; see [property@Concurra.SlurmOptions:cpus].
 *
 * Returns: the number of CPUs, 0 if unset
 *
 * Since: 1.0
 */
guint
concurra_slurm_options_get_cpus (ConcurraSlurmOptions *options)
{
  g_return_val_if_fail (CONCURRA_IS_SLURM_OPTIONS (options), 0);
  return options->cpus;
}

/**
 * concurra_slurm_options_set_cpus:
 * @options: options
 * @cpus: the number of CPUs, 0 to unset
 *
 * Sets the CPUs asked for; see [property@Concurra.SlurmOptions:cpus].
 *
 * Since: 1.0
 */
void
concurra_slurm_options_set_cpus (ConcurraSlurmOptions *options,
                                 guint                 cpus)
{
  g_return_if_fail (CONCURRA_IS_SLURM_OPTIONS (options));

  if (options->cpus == cpus)
    return;
  options->cpus = cpus;
  g_object_notify_by_pspec (G_OBJECT (options), properties[PROP_CPUS]);
}

/**
 * concurra_slurm_options_get_mem:
 * @options: options
 *
 * Gets the memory asked for; see [property@Concurra.SlurmOptions:mem].
 *
 * Returns: (nullable): the memory in Slurm's notation, %NULL if unset
 *
 * Since: 1.0
 */
const char *
concurra_slurm_options_get_mem (ConcurraSlurmOptions *options)
{
  g_return_val_if_fail (CONCURRA_IS_SLURM_OPTIONS (options), NULL);
  return options->mem;
}

static void
set_string (ConcurraSlurmOptions  *options,
            char                 **field,
            const char            *value,
            guint                  prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (options), properties[prop]);
}

/**
 * concurra_slurm_options_set_mem:
 * @options: options
 * @mem: (nullable): the memory in Slurm's notation (`"512M"`, `"4G"`),
 *   %NULL to unset
 *
 * Sets the memory asked for; see [property@Concurra.SlurmOptions:mem].
 *
 * Since: 1.0
 */
void
concurra_slurm_options_set_mem (ConcurraSlurmOptions *options,
                                const char           *mem)
{
  g_return_if_fail (CONCURRA_IS_SLURM_OPTIONS (options));
  set_string (options, &options->mem, mem, PROP_MEM);
}

/**
 * concurra_slurm_options_get_partition:
 * @options: options
 *
 * Gets the partition; see [property@Concurra.SlurmOptions:partition].
 *
 * Returns: (nullable): the partition, %NULL if unset
 *
 * Since: 1.0
 */
const char *
concurra_slurm_options_get_partition (ConcurraSlurmOptions *options)
{
  g_return_val_if_fail (CONCURRA_IS_SLURM_OPTIONS (options), NULL);
  return options->partition;
}

/**
 * concurra_slurm_options_set_partition:
 * @options: options
 * @partition: (nullable): the partition, %NULL to unset
 *
 * Sets the partition; see [property@Concurra.SlurmOptions:partition].
 *
 * Since: 1.0
 */
void
concurra_slurm_options_set_partition (ConcurraSlurmOptions *options,
                                      const char           *partition)
{
  g_return_if_fail (CONCURRA_IS_SLURM_OPTIONS (options));
  set_string (options, &options->partition, partition, PROP_PARTITION);
}

/**
 * concurra_slurm_options_get_time_margin:
 * @options: options
 *
 * Gets the margin added to a task's timeout; see
 * [property@Concurra.SlurmOptions:time-margin].
 *
 * Returns: the margin in seconds, negative if unset
 *
 * Since: 1.0
 */
double
concurra_slurm_options_get_time_margin (ConcurraSlurmOptions *options)
{
  g_return_val_if_fail (CONCURRA_IS_SLURM_OPTIONS (options), -1);
  return options->time_margin;
}

/**
 * concurra_slurm_options_set_time_margin:
 * @options: options
 * @margin: seconds, negative to unset
 *
 * Sets the margin added to a task's timeout; see
 * [property@Concurra.SlurmOptions:time-margin].
 *
 * Since: 1.0
 */
void
concurra_slurm_options_set_time_margin (ConcurraSlurmOptions *options,
                                        double                margin)
{
  g_return_if_fail (CONCURRA_IS_SLURM_OPTIONS (options));
  g_return_if_fail (!isnan (margin));

  if (margin < 0)
    margin = -1;
  if (options->time_margin == margin)
    return;
  options->time_margin = margin;
  g_object_notify_by_pspec (G_OBJECT (options), properties[PROP_TIME_MARGIN]);
}

/**
 * concurra_slurm_options_get_extra_args:
 * @options: options
 *
 * Gets the extra `srun` options; see
 * [property@Concurra.SlurmOptions:extra-args].
 *
 * Returns: (nullable) (array zero-terminated=1) (transfer none): the
 *   options, %NULL if none
 *
 * Since: 1.0
 */
const char * const *
concurra_slurm_options_get_extra_args (ConcurraSlurmOptions *options)
{
  g_return_val_if_fail (CONCURRA_IS_SLURM_OPTIONS (options), NULL);
  return (const char * const *) options->extra_args;
}

/**
 * concurra_slurm_options_set_extra_args:
 * @options: options
 * @args: (nullable) (array zero-terminated=1): `srun` options in the
 *   `--name=value` form, %NULL for none
 *
 * Sets the extra `srun` options; see
 * [property@Concurra.SlurmOptions:extra-args].
 *
 * Since: 1.0
 */
void
concurra_slurm_options_set_extra_args (ConcurraSlurmOptions *options,
                                       const char * const   *args)
{
  g_return_if_fail (CONCURRA_IS_SLURM_OPTIONS (options));

  g_strfreev (options->extra_args);
  options->extra_args = args != NULL && args[0] != NULL ? g_strdupv ((char **) args) : NULL;
  g_object_notify_by_pspec (G_OBJECT (options), properties[PROP_EXTRA_ARGS]);
}

static gboolean
is_memory (const char *mem)
{
  const char *p = mem;

  while (g_ascii_isdigit (*p))
    p++;
  if (p == mem)
    return FALSE;
  if (*p != '\0' && strchr ("KMGTkmgt", *p) != NULL)
    p++;
  return *p == '\0';
}

static gboolean
is_partition (const char *partition)
{
  if (*partition == '\0' || *partition == '-' || *partition == ',')
    return FALSE;
  for (const char *p = partition; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_-.,", *p) == NULL)
      return FALSE;
  return TRUE;
}

/**
 * concurra_slurm_options_validate:
 * @options: options
 * @error: return location for a #GError
 *
 * Checks the options as a run does when it starts: memory in Slurm's
 * notation, a partition name made of letters, digits, `_`, `-`, `.` and
 * commas, and extra arguments that are each one option (they begin with
 * `-`; the command comes after them, so anything else would be taken for
 * it).
 *
 * Returns: %TRUE if they are fine; otherwise %FALSE with @error set to a
 *   %CONCURRA_ERROR_INVALID_ARGUMENT naming the option
 *
 * Since: 1.0
 */
gboolean
concurra_slurm_options_validate (ConcurraSlurmOptions  *options,
                                 GError               **error)
{
  g_return_val_if_fail (CONCURRA_IS_SLURM_OPTIONS (options), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options->mem != NULL && !is_memory (options->mem))
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Slurm option mem='%s' is not a memory size: give megabytes, or a number "
                   "followed by K, M, G or T (\"512M\", \"4G\")", options->mem);
      return FALSE;
    }
  if (options->partition != NULL && !is_partition (options->partition))
    {
      g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                   "Slurm option partition='%s' is not a partition name (letters, digits, "
                   "'_', '-', '.', and ',' between names)", options->partition);
      return FALSE;
    }
  for (guint i = 0; options->extra_args != NULL && options->extra_args[i] != NULL; i++)
    {
      const char *arg = options->extra_args[i];

      if (arg[0] != '-' || arg[1] == '\0' || strcmp (arg, "--") == 0)
        {
          g_set_error (error, CONCURRA_ERROR, CONCURRA_ERROR_INVALID_ARGUMENT,
                       "Slurm extra argument %u ('%s') is not an srun option: give each "
                       "option as one argument in the --name=value form", i, arg);
          return FALSE;
        }
    }
  return TRUE;
}
