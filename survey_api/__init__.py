"""The survey platform's API service: instruments, collection, estimates."""

import os

# The service answers requests on a pool of threads; a multithreaded BLAS under each of them oversubscribes
# the cores (its threads spin waiting for each other), and estimates' small matrix products run several
# times slower. One BLAS thread per request thread, unless the environment says otherwise; this must be
# set before numpy is first imported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
