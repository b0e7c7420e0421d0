# Concurry's "Async Support": async_gather is awaitable from asyncio.
import asyncio
from gi.repository.Concurra import TaskRunner, async_gather  # concurra: import line

def fetch(i):                                          # concurra: worker method
    return i + 100

worker = TaskRunner(progress_stats=False)              # concurra
futures = [worker.add_task(fetch, i) for i in range(5)]  # concurra
worker.execute_in_background()                         # concurra

async def main():
    # Works exactly like gather(), but awaitable
    results = await async_gather(futures)
    print(results)

asyncio.run(main())
