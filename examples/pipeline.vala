/* pipeline.vala: the pipeline example from Vala.
 *
 *   fetch -> unpack -> { compile, lint, docs } -> package
 *
 * Each step simulates work with a short sleep that stops early when the task
 * is cancelled, and reports a value; "lint" is flaky and fails its first
 * attempt, then succeeds when the runner retries it. Build and run it as
 * the README shows:
 *
 *   meson devenv -C build sh -c 'valac --pkg concurra-glib-1 -o examples/pipeline-valac examples/pipeline.vala && examples/pipeline-valac'
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What one step does: how long it "works", what it reports, and how many
 * attempts fail before one succeeds. */
class Step {
    public string label;
    public string[]? depends_on;
    public uint work_ms;
    public Variant value;
    public uint fail_attempts;
    public uint attempts = 0;

    public Step (string label, string[]? depends_on, uint work_ms,
                 Variant value, uint fail_attempts = 0) {
        this.label = label;
        this.depends_on = depends_on;
        this.work_ms = work_ms;
        this.value = value;
        this.fail_attempts = fail_attempts;
    }

    /* Runs on a worker thread of the runner, one attempt at a time. */
    public void run (Concurra.Task task, Cancellable? cancellable) {
        uint attempt = ++attempts;
        if (!simulate_work (work_ms, cancellable))
            return;    /* timed out or aborted: stop working */
        if (attempt <= fail_attempts)
            task.return_error (new IOError.BUSY ("%s: resource busy (attempt %u)", label, attempt));
        else if (value.is_of_type (VariantType.INT64))
            task.return_int (value.get_int64 ());
        else
            task.return_string (value.get_string ());
    }
}

/* Sleeps @ms milliseconds; false if @cancellable was cancelled meanwhile. */
bool simulate_work (uint ms, Cancellable? cancellable) {
    var pollfd = PollFD ();
    if (cancellable == null || !cancellable.make_pollfd (pollfd)) {
        Thread.usleep (ms * 1000);
        return true;
    }
    PollFD[] fds = { pollfd };
    GLib.poll (fds, (int) ms);
    cancellable.release_fd ();
    return !cancellable.is_cancelled ();
}

int main () {
    /* Progress lines are INFO messages in the "Concurra" log domain, hidden
     * by GLib's default log writer unless the domain is enabled. */
    if (Environment.get_variable ("G_MESSAGES_DEBUG") == null)
        Environment.set_variable ("G_MESSAGES_DEBUG", "Concurra", true);

    Step[] steps = {
        new Step ("fetch", null, 120, "concurra-glib-1.0.0.tar.xz"),
        new Step ("unpack", { "fetch" }, 80, (int64) 42),
        new Step ("compile", { "unpack" }, 250, (int64) 17),
        new Step ("lint", { "unpack" }, 60, "0 warnings", 1),
        new Step ("docs", { "unpack" }, 150, (int64) 9),
        new Step ("package", { "compile", "lint", "docs" }, 100, "concurra-glib-1.0.0.flatpak"),
    };

    var runner = new Concurra.Runner ("pipeline");
    runner.max_concurrency = 3;
    runner.progress_stats = true;
    runner.verify_on_finish = false;   /* we print the report ourselves */
    runner.retry_delay = 0.05;

    HashTable<unowned string, unowned Concurra.Task> results;
    try {
        foreach (var step in steps) {
            var task = runner.add_task (step.label, step.depends_on, step.run);
            task.timeout = 10;
            if (step.fail_attempts > 0)
                task.retries = (int) step.fail_attempts + 1;
        }

        runner.task_retrying.connect ((task, attempt, error) => {
            print ("  retrying %s after attempt %u failed: %s\n", task.label, attempt, error.message);
        });
        runner.task_finished.connect ((task) => {
            string text;
            if (task.has_failed)
                text = task.error_message;
            else if (task.get_value () != null)
                text = task.get_value ().strdup_contents ();
            else
                text = "(no value)";
            print ("  %-8s -> %s\n", task.label, text);
        });

        print ("Running %u tasks...\n", runner.get_n_tasks ());
        results = runner.run ();
    } catch (Error e) {
        printerr ("pipeline: %s\n", e.message);
        return 1;
    }

    print ("\n%s\n", runner.format_report ());

    uint n_failed = runner.get_n_failed ();
    if (n_failed > 0) {
        printerr ("pipeline: %u task(s) failed\n", n_failed);
        return 1;
    }
    print ("All %u tasks succeeded.\n", results.size ());
    return 0;
}
