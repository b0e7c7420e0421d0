/* main-loop.vala: running tasks from an application's main loop, which
 * stays free: yield waits for the run, progress arrives as signals on the
 * main thread.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

async void run_parts () throws Error {
    var runner = new Concurra.Runner ("main-loop");
    runner.verify_on_finish = false;
    runner.max_concurrency = 2;
    for (int i = 1; i <= 4; i++) {
        int number = i;
        runner.add_task ("part-%d".printf (i), null, (task) => {
            Thread.usleep (100000);   /* on a worker thread */
            task.return_int (number);
        });
    }
    uint progress = 0;
    runner.progress.connect ((completed, total) => {
        assert (MainContext.default ().is_owner ());
        print ("progress: %u/%u\n", completed, total);
        progress = completed;
    });
    uint ticks = 0;
    var tick = Timeout.add (10, () => {
        ticks++;   /* e.g. a spinner being animated */
        return Source.CONTINUE;
    });

    var results = yield runner.run_async (null);
    Source.remove (tick);

    int64 total = 0;
    results.foreach ((label, task) => total += task.get_value ().get_int64 ());
    print ("total %lld, %u ticks of the main loop meanwhile\n", total, ticks);
    assert (total == 10 && progress == 4 && ticks > 5);
}

int main () {
    var loop = new MainLoop ();
    run_parts.begin ((obj, res) => {
        try {
            run_parts.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    });
    loop.run ();
    return 0;
}
