"""Imported by a worker before its first job, as the last of `job.PRELOAD` (by the local workers'
fork server and by a Dask worker's preload), so that the first submission each worker grades pays
for neither: the sandbox's facts about this machine are found out (`launcher.probe_machine`: about
0.1 s of probes), and the autograded notebook's loss-curve plot is drawn once (matplotlib's first
drawing: about 0.2 s).
"""
from .feedback import warm_up_drawing
from .sandbox.launcher import probe_machine

probe_machine()
warm_up_drawing()
