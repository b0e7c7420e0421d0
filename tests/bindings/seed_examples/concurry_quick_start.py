# Concurry's Quick Start. Concurry's @worker(mode="thread") class becomes a
# plain class whose method calls are queued with runner.add_task(); the rest
# is unchanged. Changed lines are marked "# concurra:".
from gi.repository.Concurra import TaskRunner, wait, ReturnWhen  # concurra: import line

class DataWorker:
    def fetch_data(self, id: int) -> dict:
        return {"id": id, "data": f"result_{id}"}

# Create worker and submit tasks
worker = TaskRunner(progress_stats=False)                        # concurra: DataWorker.init()
futures = [worker.add_task(DataWorker().fetch_data, i) for i in range(10)]  # concurra
worker.execute_in_background()                                   # concurra: start the tasks

# Wait for all to complete
done, not_done = wait(futures, timeout=30.0)

print(f"Completed: {len(done)}, Pending: {len(not_done)}")
worker.get_background_results()                                  # concurra: worker.stop()
