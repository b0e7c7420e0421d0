# Concurry's Pattern 1, "The Batch" (gather), with a progress bar.
from gi.repository.Concurra import TaskRunner, gather  # concurra: import line

def calculate(i):                                      # concurra: worker.calculate
    return 2 * i

worker = TaskRunner(progress_stats=False)              # concurra
# 1. Launch tasks
futures = [worker.add_task(calculate, i) for i in range(100)]  # concurra: worker.calculate(i)
worker.execute_in_background()                         # concurra

# 2. Wait for all of them
results = gather(futures, progress=True)

# results is [0, 2, 4, ...]
print(results[:5], len(results))
