"""Many calls: the one job engine, and the commands built on it.

engine     Job, Outcome, RunOptions, score_job (claim · score · store), the Executor protocol,
           run_jobs (jobs fed to an executor, outcomes as they finish)
executors  inprocess.InProcess (this process) · local.WorkerPool (worker processes)
           · ray.RayExecutor (Ray actors; connecting in ray_cluster)
stop       StopSignal: SIGINT/SIGTERM as one stop (finish-first for batch, give-back for watch)
commands   batch (discover, manifest, progress) · watch (events → settling → loop, results)
           · rescore · status
"""
