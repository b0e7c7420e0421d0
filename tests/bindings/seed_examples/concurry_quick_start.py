# Concurry's Quick Start, with only the import line changed
# (`from concurry import ...` -> `from gi.repository.Concurra import ...`).
from gi.repository.Concurra import worker, wait, ReturnWhen

@worker(mode="thread")
class DataWorker:
    def fetch_data(self, id: int) -> dict:
        return {"id": id, "data": f"result_{id}"}

# Create worker and submit tasks
worker = DataWorker.init()
futures = [worker.fetch_data(i) for i in range(10)]

# Wait for all to complete
done, not_done = wait(futures, timeout=30.0)

print(f"Completed: {len(done)}, Pending: {len(not_done)}")
worker.stop()
