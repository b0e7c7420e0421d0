# typed_user.py: a small typed user script of the Python override, checked
# with mypy by test_typing.py (and run by it, so it stays a real program).
#
# `from gi.repository import Concurra` is resolved by PyGObject at run time,
# which mypy cannot follow; under TYPE_CHECKING the script names the module
# it loads, gi.overrides.Concurra, whose hints mypy then reads.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Dict, List, Optional

if TYPE_CHECKING:
    from gi.overrides import Concurra
else:
    import gi
    gi.require_version("Concurra", "1")
    from gi.repository import Concurra


def square(x: int) -> int:
    return x * x


def build(runner: Concurra.TaskRunner) -> List[Concurra.Future]:
    first = runner.add_task(square, 3, label="first")
    second = runner.add_task(square, 4, label="second",
                             depends_on=["first"], task_retries=1)
    command = runner.add_command(["echo", "hi"], label="echo")
    return [first, second, command]


class Doubler(Concurra.Worker):
    def __init__(self, factor: int) -> None:
        self.factor = factor

    def double(self, x: int) -> int:
        return self.factor * x


def use_workers() -> int:
    worker = Doubler.options(mode="thread", max_workers=2).init(2)
    futures = [worker.double(i) for i in range(4)]
    values: List[int] = Concurra.gather(futures)
    limits = Concurra.LimitSet([Concurra.CallLimit(window=1, capacity=10)],
                               mode="thread")
    with limits.acquire() as acquisition:
        assert acquisition.successful
    retry = Concurra.RetryConfig(num_retries=2, retry_algorithm="linear")
    assert retry.wait_before(1) >= 0
    worker.stop()
    return sum(values)


def main() -> int:
    assert use_workers() == 12
    runner = Concurra.TaskRunner(max_concurrency=2, progress_stats=False)
    futures = build(runner)
    results: Dict[Any, Dict[str, Any]] = runner.run(verify=False)
    status: str = results["second"]["status"]
    value: int = futures[1].result(timeout=10)
    error: Optional[BaseException] = futures[0].exception()
    done, not_done = Concurra.wait(futures, timeout=1.0)
    gathered: List[Any] = Concurra.gather(futures[:2])
    streamed = [(i, r) for i, r in Concurra.gather(futures[:2], iter=True)]
    futures[0].add_done_callback(lambda f: None)
    report: str = runner.format_report()

    async def in_asyncio() -> Dict[Any, Dict[str, Any]]:
        again = Concurra.TaskRunner(progress_stats=False)
        future = again.add_task(square, 5)
        results = await again.run_async(verify=False)
        assert await Concurra.async_gather([future]) == [25]
        async for _, value in Concurra.async_gather([future], iter=True):
            assert value == 25
        done, _ = await Concurra.async_wait([future])
        assert done == {future} and await future == 25
        return results

    more = asyncio.run(in_asyncio())
    assert status == "Successful" and value == 16 and error is None
    assert len(done) == 3 and not not_done and gathered == [9, 16]
    assert sorted(streamed) == [(0, 9), (1, 16)] and "first" in report
    assert more[0]["result"] == 25
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
