# Concurry's Pattern 3, "The Race": query 3 mirrors, use the fastest.
import time
from gi.repository.Concurra import TaskRunner, wait, ReturnWhen  # concurra: import line

def get(name, seconds):                                # concurra: mirror.get()
    time.sleep(seconds)
    return name

runner = TaskRunner(progress_stats=False)              # concurra
mirror1 = lambda: runner.add_task(get, "mirror1", 5)   # concurra: three mirrors
mirror2 = lambda: runner.add_task(get, "mirror2", 0.1)
mirror3 = lambda: runner.add_task(get, "mirror3", 5)

sources = [mirror1(), mirror2(), mirror3()]            # concurra: mirrorN.get()
runner.execute_in_background()                         # concurra

# Return as soon as ONE finishes
done, not_done = wait(
    sources, 
    return_when=ReturnWhen.FIRST_COMPLETED
)

fastest_result = done.pop().result()

# Optional: Cancel the losers
for f in not_done:
    f.cancel()

print(fastest_result, len(not_done), all(f.cancelled() for f in not_done))
