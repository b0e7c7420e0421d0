# workers.py: Concurry's workers from Python — a stateful worker, a pool
# with a shared rate limit, retries, and a process worker; the futures go
# to gather() and wait() like any other.
#
# SPDX-FileCopyrightText: 2026 The concurra-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import time

import gi

gi.require_version("Concurra", "1")
from gi.repository.Concurra import (  # noqa: E402
    CallLimit, RateLimit, TaskWorker, Worker, gather, wait, worker)


@worker(mode="thread")          # DataWorker() now starts a worker
class DataWorker:
    def __init__(self):
        self.seen = 0

    def fetch_data(self, id: int) -> dict:
        self.seen += 1          # calls of one worker run one at a time
        return {"id": id, "data": f"result_{id}", "seen": self.seen}


class Summarizer(Worker):
    def summarize(self, text: str) -> str:
        # the limits are shared by the 4 workers of the pool
        with self.limits.acquire(requested={"tokens": 50}) as acq:
            summary = text[:10]
            acq.update(usage={"tokens": len(summary)})  # refund the rest
            return summary


def main():
    dw = DataWorker()
    futures = [dw.fetch_data(i) for i in range(10)]     # futures, at once
    done, not_done = wait(futures, timeout=30.0)
    print(f"Completed: {len(done)}, Pending: {len(not_done)}")
    assert gather(futures)[-1]["seen"] == 10
    dw.stop()

    pool = Summarizer.options(
        mode="thread", max_workers=4,
        limits=[CallLimit(window=1, capacity=20),        # 20 calls a second
                RateLimit(key="tokens", window=60, capacity=10_000)],
        num_retries=2, retry_on=[ConnectionError], retry_wait=0.1,
    ).init()
    start = time.monotonic()
    texts = [f"text number {i}" for i in range(30)]
    summaries = gather([pool.summarize(text) for text in texts])
    print(len(summaries), "summaries in %.0f s" % (time.monotonic() - start))
    print(pool.get_pool_stats()["load_balancer"])
    pool.stop()

    # a process worker: the lambda travels by value to the worker process
    with TaskWorker.options(mode="process").init() as tw:
        print(tw.submit(lambda x: x ** 2, 42).result())


# worker processes import this file as the main module would be imported
# by multiprocessing's spawn: keep the work behind this guard
if __name__ == "__main__":
    main()
