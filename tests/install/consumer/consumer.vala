/* consumer.vala: the smallest Vala program using an installed
 * concurra-glib, built by test-install.sh with `valac --pkg
 * concurra-glib-1` and by the Meson project beside it.
 *
 * SPDX-FileCopyrightText: 2026 The concurra-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    var runner = new Concurra.Runner ("consumer");
    try {
        runner.add_task ("square_4", null, (task) => task.return_int (16));
        runner.add_task ("square_5", { "square_4" }, (task) => task.return_int (25));
        var results = runner.run ();
        print ("Vala: square_5 = %lld\n", results["square_5"].get_value ().get_int64 ());
    } catch (Error e) {
        printerr ("consumer: %s\n", e.message);
        return 1;
    }
    return 0;
}
