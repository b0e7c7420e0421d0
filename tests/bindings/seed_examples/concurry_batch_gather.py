# Concurry's Pattern 1, "The Batch" (gather), with a progress bar. The
# pattern's lines are Concurry's; the worker they call is defined first.
from gi.repository.Concurra import worker, gather  # the import line

@worker(mode="thread")
class Calculator:
    def calculate(self, i: int) -> int:
        return 2 * i

worker = Calculator.init()

# 1. Launch tasks
futures = [worker.calculate(i) for i in range(100)]

# 2. Wait for all of them
results = gather(futures, progress=True)

# results is [0, 2, 4, ...]
print(results[:5], len(results))
worker.stop()
