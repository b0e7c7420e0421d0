# Concurry's Pattern 2, "The Stream": results as they complete.
import time
from gi.repository.Concurra import TaskRunner, gather  # concurra: import line

saved = []

def save_to_db(result):
    saved.append(result)

def slow_task(i):                                      # concurra: worker.slow_task
    time.sleep(0.002 * (i % 5))
    return i * i

worker = TaskRunner(max_concurrency=8, progress_stats=False)  # concurra
futures = [worker.add_task(slow_task, i) for i in range(1000)]  # concurra: worker.slow_task(i)
worker.execute_in_background()                         # concurra

# Yields results as soon as they arrive!
for i, result in gather(futures, iter=True):
    save_to_db(result)

print(len(saved), sorted(saved) == [i * i for i in range(1000)])
