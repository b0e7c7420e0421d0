/* workers.vala: a pool of two stateful workers with thread lanes; each
 * lane owns an Account; calls are awaited with yield.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
class Account : Object {
    public int64 balance;
}

async void run (MainLoop loop) {
    var pool = new Concurra.Worker (Concurra.ExecutionMode.THREAD, 2);
    pool.set_init_func ((worker, lane, cancellable) => new Account ());
    try {
        Concurra.Task[] calls = {};
        for (int i = 1; i <= 6; i++) {
            int64 amount = i * 10;
            calls += pool.submit ("deposit", (task, instance) => {
                var account = (Account) instance;
                account.balance += amount;    /* one call at a time per lane */
                task.return_int (account.balance);
            });
        }
        var done = yield Concurra.gather_async (calls, Concurra.GatherFlags.NONE,
                                                30, null);
        foreach (var call in done) {
            var balance = call.get_value ().get_int64 ();
            print ("%-12s %4" + int64.FORMAT + "\n", call.label, balance);
        }
    } catch (Error e) {
        printerr ("%s\n", e.message);
    }
    pool.stop ();
    loop.quit ();
}

int main () {
    var loop = new MainLoop ();
    run.begin (loop);
    loop.run ();
    return 0;
}
