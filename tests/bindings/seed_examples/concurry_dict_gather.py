# Concurry's "Dictionary Support": results preserve keys. The pattern's
# lines are Concurry's; the worker they call is defined first.
from gi.repository.Concurra import worker, gather  # the import line

@worker(mode="thread")
class Api:
    def get_users(self):
        return ["ada", "grace"]

    def get_posts(self):
        return ["hello"]

    def get_comments(self):
        return []

worker = Api.init()

tasks = {
    "users": worker.get_users(),
    "posts": worker.get_posts(),
    "comments": worker.get_comments()
}

# Results preserve keys
results = gather(tasks)
print(results["users"])
print(list(results))
worker.stop()
