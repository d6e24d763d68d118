"""Many notebooks at once: the folder walk and the process pool behind `nbmerge check`.

  find_notebooks(paths, exclude)     -> the .ipynb files under files and directories
  check_files(paths, options, ...)   -> (path, findings or UnreadableFile) for each, in path order
"""

from __future__ import annotations

import fnmatch
import os
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .check import MarkerRules, check_file, warm_schema
from .clean import CleanOptions, Finding
from .errors import UnreadableFile

# Below this many files a process pool costs more to start than it saves.
PARALLEL_THRESHOLD = 200


def find_notebooks(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """Files named as given, and *.ipynb under directories (skipping hidden ones and exclude)."""
    for path in paths:
        if not os.path.isdir(path):
            if not _excluded(path, exclude):
                yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and not _excluded(os.path.join(root, d), exclude))
            for name in sorted(files):
                full = os.path.join(root, name)
                if name.endswith(".ipynb") and not _excluded(full, exclude):
                    yield full


def _excluded(path: str, patterns: Sequence[str]) -> bool:
    normal = os.path.normpath(path).replace(os.sep, "/")
    return any(fnmatch.fnmatch(normal, p) or fnmatch.fnmatch(os.path.basename(normal), p)
               for p in patterns)


Outcome = Tuple[str, Union[List[Finding], UnreadableFile]]


def check_files(paths: Sequence[str], options: CleanOptions = CleanOptions(), *, schema: bool = True,
                jobs: int = 0, progress: Optional[Callable[[int, int], None]] = None,
                markers: MarkerRules = MarkerRules()) -> Iterator[Outcome]:
    """Check many files, in a process pool when there are enough; yield results in path order."""
    jobs = jobs or (os.cpu_count() or 1)
    if schema:
        warm_schema()
    if jobs > 1 and len(paths) >= PARALLEL_THRESHOLD:
        outcomes = _parallel(paths, options, schema, jobs, markers)
    else:
        outcomes = (_check_one(path, options, schema, markers) for path in paths)
    for done, outcome in enumerate(outcomes, 1):
        if progress is not None:
            progress(done, len(paths))
        yield outcome


def _check_one(path: str, options: CleanOptions, schema: bool, markers: MarkerRules) -> Outcome:
    try:
        return path, check_file(path, options, schema=schema, markers=markers)
    except UnreadableFile as exc:
        return path, exc


def _check_chunk(args) -> List[Outcome]:
    paths, options, schema, markers = args
    return [_check_one(path, options, schema, markers) for path in paths]


def _parallel(paths: Sequence[str], options: CleanOptions, schema: bool, jobs: int,
              markers: MarkerRules) -> Iterator[Outcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork shares the imported validator; where fork is missing the pool still works, slower.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    size = max(8, min(64, len(paths) // (jobs * 4)))
    chunks = [(list(paths[i:i + size]), options, schema, markers) for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method)) as pool:
        for outcomes in pool.map(_check_chunk, chunks):
            yield from outcomes
