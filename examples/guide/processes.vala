/* processes.vala: functions run in worker processes. The program is its
 * own worker: it registers its functions, then lets worker_main() serve
 * them when a runner started it as a worker.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

Variant? square (Variant? args, Cancellable cancellable) throws Error {
    int64 x;
    args.get ("(x)", out x);
    return new Variant.int64 (x * x);
}

Variant? crash (Variant? args, Cancellable cancellable) throws Error {
    Process.abort ();   /* takes the worker down, not the program */
}

int main () {
    Concurra.Worker.register ("square", square);
    Concurra.Worker.register ("crash", crash);
    Concurra.Worker.main ();   /* a worker serves here and never returns */

    var runner = new Concurra.Runner ("processes");
    runner.verify_on_finish = false;
    runner.execution_mode = Concurra.ExecutionMode.PROCESS;
    runner.max_concurrency = 2;   /* two warm workers */
    try {
        Concurra.Task[] squares = {};
        for (int64 i = 1; i <= 5; i++)
            squares += runner.add_process_task ("square-%lld".printf (i), null, "square",
                                                new Variant ("(x)", i));
        var crashed = runner.add_process_task ("crash", null, "crash", null);

        runner.run ();

        int64 sum = 0;
        foreach (var task in squares) {
            assert (task.execution_mode == Concurra.ExecutionMode.PROCESS);
            /* dup_variant (): Vala 0.56 binds Value.get_variant () as
             * owned, which would unref the task's variant once too often */
            sum += task.get_value ().dup_variant ().get_int64 ();
        }
        print ("sum of squares: %lld\n", sum);
        assert (sum == 55);

        assert (crashed.get_error () is Concurra.Error.WORKER_CRASHED);
        print ("crash: %s\n", crashed.error_message);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return 0;
}
