# Concurry's "Dictionary Support": results preserve keys.
from gi.repository.Concurra import TaskRunner, gather  # concurra: import line

def get_users():                                       # concurra: worker methods
    return ["ada", "grace"]

def get_posts():
    return ["hello"]

def get_comments():
    return []

worker = TaskRunner(progress_stats=False)              # concurra
tasks = {
    "users": worker.add_task(get_users),               # concurra: worker.get_users()
    "posts": worker.add_task(get_posts),               # concurra: worker.get_posts()
    "comments": worker.add_task(get_comments),         # concurra: worker.get_comments()
}
worker.execute_in_background()                         # concurra

# Results preserve keys
results = gather(tasks)
print(results["users"])
print(list(results))
