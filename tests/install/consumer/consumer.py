# consumer.py: the installed PyGObject override and typelib, as a user has
# them after `meson install`. Run by ../test-install.sh.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version("GIRepository", "2.0")
gi.require_version("Concurra", "1")
from gi.repository import Concurra, GIRepository  # noqa: E402
import gi.overrides.Concurra  # noqa: E402


def square(x):
    return x * x


runner = Concurra.TaskRunner(max_concurrency=2)
runner.add_task(square, 4, label="square_4")
runner.add_task(square, 5, label="square_5", depends_on=["square_4"])
results = runner.run()
assert results["square_5"]["result"] == 25, results
print("Python: square_5 =", results["square_5"]["result"])
print("override:", gi.overrides.Concurra.__file__)
print("typelib:", GIRepository.Repository.get_default().get_typelib_path("Concurra"))
