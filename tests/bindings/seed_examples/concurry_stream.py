# Concurry's Pattern 2, "The Stream": results as they complete. The
# pattern's lines are Concurry's; the worker (a pool of 8 threads) they call
# is defined first.
import time
from gi.repository.Concurra import worker, gather  # the import line

saved = []

def save_to_db(result):
    saved.append(result)

@worker(mode="thread", max_workers=8)
class Slow:
    def slow_task(self, i):
        time.sleep(0.002 * (i % 5))
        return i * i

worker = Slow()

futures = [worker.slow_task(i) for i in range(1000)]

# Yields results as soon as they arrive!
for i, result in gather(futures, iter=True):
    save_to_db(result)

print(len(saved), sorted(saved) == [i * i for i in range(1000)])
worker.stop()
