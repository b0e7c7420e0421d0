# Concurry's "Async Support": async_gather is awaitable from asyncio. The
# futures come from a worker, defined first.
import asyncio
from gi.repository.Concurra import worker, async_gather  # the import line

@worker(mode="thread")
class Fetcher:
    def fetch(self, i):
        return i + 100

worker = Fetcher()
futures = [worker.fetch(i) for i in range(5)]

async def main():
    # Works exactly like gather(), but awaitable
    results = await async_gather(futures)
    print(results)

asyncio.run(main())
worker.stop()
