# Concurry's Pattern 3, "The Race": query 3 mirrors, use the fastest. The
# pattern's lines are Concurry's; the mirrors are three workers.
import time
from gi.repository.Concurra import Worker, wait, ReturnWhen  # the import line

class Mirror(Worker):
    def __init__(self, name, seconds):
        self.name, self.seconds = name, seconds

    def get(self):
        time.sleep(self.seconds)
        return self.name

mirror1 = Mirror.options(mode="thread").init("mirror1", 5)
mirror2 = Mirror.options(mode="thread").init("mirror2", 0.1)
mirror3 = Mirror.options(mode="thread").init("mirror3", 5)

sources = [mirror1.get(), mirror2.get(), mirror3.get()]

# Return as soon as ONE finishes
done, not_done = wait(
    sources, 
    return_when=ReturnWhen.FIRST_COMPLETED
)

fastest_result = done.pop().result()

# Optional: Cancel the losers
for f in not_done:
    f.cancel()

print(fastest_result, len(not_done))
for mirror in (mirror1, mirror2, mirror3):
    mirror.stop()
