#!/usr/bin/env python3
"""Compare nbmerge's git merge driver with peer tools, run as git would run them.

Standard library only.  The peers (nbdime, nbdev, ...) live in their own
virtualenv (see benchmarks/peers.md) and are only ever run as commands; nothing
here imports them.  Notebook validity is checked by one batched subprocess of
the peers venv's python with nbformat.

Merge mode (default):

    python3 benchmarks/peers.py --peers-venv /opt/peers \
        --ours-cmd "python -m nbmerge merge-driver" \
        /work/shared/corpus/merges/CASE1 /work/shared/corpus/merges/CASE2 ...

  Each case directory holds base.ipynb, ours.ipynb, theirs.ipynb (and, for
  corpus cases, merged.ipynb and meta.json).  For every case and tool, in an
  empty temporary folder, ours is copied to a git-style temp file (%A), the
  driver is run through `sh -c` with git's placeholders substituted (%O base,
  %A ours -> result, %B theirs, %L 7, %P the notebook's repo path), and exit
  status, wall time and the result file are recorded.  Tools are interleaved
  per case (rotating order) so that machine noise hits all of them alike.

Start-up mode:

    python3 benchmarks/peers.py --startup --reps 15 --peers-venv /opt/peers \
        [--ours-cmd "..."] [--extra "label=command" ...]

  Times `python -c pass`, dependency imports and each peer's `--help`,
  interleaved in shuffled rounds after one warm-up round; prints medians and
  ratios to `python -c pass`.
"""

import argparse
import json
import os
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# name -> driver command template, exactly as the peer's own installer writes it
# into git config (`merge.<driver>.driver`).  {bin} is the peers venv's bin dir.
PEER_DRIVERS = {
    # written by `git-nbmergedriver config --enable` (nbdime 4.x)
    "nbdime": "{bin}/git-nbmergedriver merge %O %A %B %L %P",
    # same driver with outputs ignored (a common recommendation for nbdime)
    "nbdime-io": "{bin}/git-nbmergedriver merge --ignore-outputs %O %A %B %L %P",
    # written by `nbdev-install-hooks` into the repo's .gitconfig (nbdev 3.x)
    "nbdev": "{bin}/nbdev-merge %O %A %B %P",
    # git's own line merge, what happens with no driver configured
    "git": "git merge-file -L ours -L base -L theirs --marker-size=%L %A %O %B",
}
DEFAULT_TOOLS = "git,nbdime,nbdev"
MERGE_PLACEHOLDERS = "%O %A %B %L %P"

VALIDATE_SRC = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import nbformat
from nbformat.validator import ValidationError
out = {}
for path in json.load(sys.stdin):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except Exception as e:
        out[path] = [False, False, "json: %s" % type(e).__name__]
        continue
    try:
        if not isinstance(d, dict) or d.get("nbformat") != 4:
            raise ValidationError("not an nbformat 4 notebook")
        nbformat.validate(d)
        out[path] = [True, True, ""]
    except Exception as e:
        out[path] = [True, False, str(e).splitlines()[0][:200] if str(e) else type(e).__name__]
json.dump(out, sys.stdout)
"""


def sh_quote_like_git(path):
    # git's sq_quote_buf: wrap in single quotes, escape embedded ' and !
    return "'" + path.replace("'", "'\\''").replace("!", "'\\!'") + "'"


def expand(template, subs):
    out = []
    i = 0
    while i < len(template):
        if template[i] == "%" and i + 1 < len(template) and template[i + 1] in subs:
            out.append(subs[template[i + 1]])
            i += 2
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def case_repo_path(case_dir):
    meta = os.path.join(case_dir, "meta.json")
    if os.path.exists(meta):
        try:
            with open(meta, encoding="utf-8") as f:
                return json.load(f).get("path") or "notebook.ipynb"
        except (OSError, ValueError):
            pass
    return os.path.basename(os.path.normpath(case_dir)) + ".ipynb"


def case_meta(case_dir):
    try:
        with open(os.path.join(case_dir, "meta.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def cell_sources(path):
    """(cell_type, source) list of a notebook, or None; stdlib json only."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
        cells = []
        for c in nb["cells"]:
            src = c.get("source", "")
            if isinstance(src, list):
                src = "".join(src)
            cells.append((c.get("cell_type"), src))
        return cells
    except Exception:
        return None


def run_driver(template, case_dir, keep_dir, tool, env, timeout):
    work = tempfile.mkdtemp(prefix="nbmerge-peer-")
    try:
        # git writes its temp files into the work tree's root and runs the
        # driver there; names like git's .merge_file_XXXXXX
        o = os.path.join(work, ".merge_file_O1b2c3")
        a = os.path.join(work, ".merge_file_A4d5e6")
        b = os.path.join(work, ".merge_file_B7f8g9")
        shutil.copyfile(os.path.join(case_dir, "base.ipynb"), o)
        shutil.copyfile(os.path.join(case_dir, "ours.ipynb"), a)
        shutil.copyfile(os.path.join(case_dir, "theirs.ipynb"), b)
        subs = {
            "O": sh_quote_like_git(os.path.basename(o)),
            "A": sh_quote_like_git(os.path.basename(a)),
            "B": sh_quote_like_git(os.path.basename(b)),
            "L": "7",
            "P": sh_quote_like_git(case_repo_path(case_dir)),
            "%": "%",
        }
        cmd = expand(template, subs)
        t0 = time.perf_counter()
        timed_out = False
        # own process group, so that a timeout kills the driver, not just sh
        p = subprocess.Popen(["sh", "-c", cmd], cwd=work, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = p.communicate(timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            _, err = p.communicate()
            rc, timed_out = None, True
        err = err.decode("utf-8", "replace")
        dt = time.perf_counter() - t0
        kept = os.path.join(keep_dir, "%s__%s.ipynb" % (os.path.basename(os.path.normpath(case_dir)), tool))
        if os.path.exists(a):
            shutil.copyfile(a, kept)
        else:
            kept = None
        return {"cmd": cmd, "rc": rc, "time": dt, "timeout": timed_out, "stderr": err[-4000:], "out": kept}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def classify(tool, r):
    if r["timeout"]:
        return "timeout"
    rc = r["rc"]
    # sh reports a signal-killed child as 128+N; negative rc = sh itself killed
    err = r["stderr"]
    if (rc < 0 or rc >= 128 or "Traceback (most recent call last)" in err
            or ": No module named " in err or "can't open file" in err):
        return "crash"
    if rc == 0:
        return "clean"
    if rc == 1 or (tool == "git" and 0 < rc < 128):
        return "conflict"
    return "crash"


def validate(py, paths):
    if not paths:
        return {}
    p = subprocess.run([py, "-c", VALIDATE_SRC], input=json.dumps(paths).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("validation subprocess failed:\n" + p.stderr.decode("utf-8", "replace"))
    return json.loads(p.stdout)


def merge_mode(args):
    venv_bin = os.path.join(os.path.abspath(args.peers_venv), "bin")
    tools = {}
    for name in [t for t in args.tools.split(",") if t]:
        if name not in PEER_DRIVERS:
            sys.exit("unknown tool %r (known: %s)" % (name, ", ".join(PEER_DRIVERS)))
        tools[name] = PEER_DRIVERS[name].format(bin=venv_bin)
    if args.ours_cmd:
        tools[args.ours_name] = args.ours_cmd if "%" in args.ours_cmd else args.ours_cmd + " " + MERGE_PLACEHOLDERS
    cases = []
    for c in args.cases:
        if all(os.path.exists(os.path.join(c, f)) for f in ("base.ipynb", "ours.ipynb", "theirs.ipynb")):
            cases.append(c)
        else:
            print("skipping %s: needs base.ipynb, ours.ipynb, theirs.ipynb" % c, file=sys.stderr)
    if not cases:
        sys.exit("no cases")

    home = tempfile.mkdtemp(prefix="nbmerge-peer-home-")  # no user git/jupyter/nbdime config
    env = dict(os.environ)
    env.update(HOME=home, GIT_CONFIG_NOSYSTEM="1", PYTHONDONTWRITEBYTECODE="1")
    for k in [k for k in env if k.startswith("GITHEAD_")]:
        del env[k]
    # peers get their venv first on PATH (nbdev-merge shells out to git, nbdime
    # to its own helpers); nbmerge gets the caller's PATH untouched, so that
    # "python -m nbmerge" is never resolved to the peers venv's python
    peer_env = dict(env, PATH=venv_bin + os.pathsep + env.get("PATH", ""))
    envs = {n: (env if n == args.ours_name and args.ours_cmd else peer_env) for n in tools}
    keep_dir = args.keep or tempfile.mkdtemp(prefix="nbmerge-peer-out-")
    os.makedirs(keep_dir, exist_ok=True)

    names = list(tools)
    results = {n: {} for n in names}  # tool -> case -> first-rep result
    times = {n: [] for n in names}
    try:
        for rep in range(args.reps):
            for i, case in enumerate(cases):
                k = (i + rep) % len(names)
                for tool in names[k:] + names[:k]:  # rotate order per case
                    r = run_driver(tools[tool], case, keep_dir, tool, envs[tool], args.timeout)
                    times[tool].append(r["time"])
                    if rep == 0:
                        r["status"] = classify(tool, r)
                        results[tool][case] = r
                if args.verbose:
                    print("[%d/%d] %s: %s" % (i + 1, len(cases), os.path.basename(os.path.normpath(case)), " ".join(
                        "%s=%s" % (t, results[t][case]["status"]) for t in names)), file=sys.stderr)

        paths = sorted({r["out"] for n in names for r in results[n].values() if r["out"]})
        checks = validate(os.path.join(venv_bin, "python"), paths)
        merged_src = {c: cell_sources(os.path.join(c, "merged.ipynb")) for c in cases}

        rows = []
        for tool in names:
            st = [r["status"] for r in results[tool].values()]
            valid = sum(1 for r in results[tool].values() if r["out"] and checks.get(r["out"], [0, 0])[1])
            same = sum(1 for c, r in results[tool].items() if r["status"] == "clean" and merged_src[c] is not None
                       and cell_sources(r["out"]) == merged_src[c])
            fixed = sum(1 for c, r in results[tool].items()
                        if r["status"] == "clean" and case_meta(c).get("git_merge_file_conflicts", 0) > 0)
            rows.append([tool, len(st), st.count("clean"), st.count("conflict"), st.count("crash"),
                         st.count("timeout"), valid, same, fixed,
                         "%.3f" % statistics.median(times[tool])])
        hdr = ["tool", "cases", "clean", "conflicts", "crashes", "timeouts", "valid outputs",
               "clean=merged src", "git-conflict->clean", "median s"]
        widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
        fmt = "  ".join("%%-%ds" % w for w in widths)
        print(fmt % tuple(hdr))
        for row in rows:
            print(fmt % tuple(row))
        print("(n=%d case(s), %d rep(s); crash = exit not 0/1, signal, or Python traceback/'No module named' on stderr; "
              "valid = JSON + nbformat.validate in the peers venv)" % (len(cases), args.reps))
        for tool in names:
            for c, r in results[tool].items():
                if r["status"] in ("crash", "timeout"):
                    tail = r["stderr"].strip().splitlines()[-1:] or [""]
                    print("  %s %s on %s: rc=%s %s" % (tool, r["status"], os.path.basename(os.path.normpath(c)), r["rc"], tail[0][:160]))
        if args.json:
            dump = {t: {c: dict(r, valid_json=checks.get(r["out"], [False])[0] if r["out"] else False,
                                valid_nb=checks.get(r["out"], [0, False])[1] if r["out"] else False,
                                invalid_reason=checks.get(r["out"], [0, 0, ""])[2] if r["out"] else "no output")
                        for c, r in results[t].items()} for t in names}
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({"tools": tools, "times": times, "results": dump}, f, indent=1)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(keep_dir, ignore_errors=True)


def startup_mode(args):
    b = os.path.join(os.path.abspath(args.peers_venv), "bin")
    py = os.path.join(b, "python")
    cmds = [
        ("python -c pass", [py, "-c", "pass"]),
        ("import nbformat", [py, "-c", "import nbformat"]),
        ("import click", [py, "-c", "import click"]),
        ("import deepdiff", [py, "-c", "import deepdiff"]),
        ("import pygit2", [py, "-c", "import pygit2"]),
        ("git-nbmergedriver --help", [os.path.join(b, "git-nbmergedriver"), "--help"]),
        ("nbdev-merge --help", [os.path.join(b, "nbdev-merge"), "--help"]),
        ("nbstripout --help", [os.path.join(b, "nbstripout"), "--help"]),
        ("nb-clean --help", [os.path.join(b, "nb-clean"), "--help"]),
    ]
    if args.only_extra:
        cmds = cmds[:1]
    if args.ours_cmd:
        cmds.append(("ours --help", shlex.split(args.ours_cmd) + ["--help"]))
    for e in args.extra:
        label, _, cmd = e.partition("=")
        cmds.append((label, shlex.split(cmd)))
    times = {label: [] for label, _ in cmds}
    rng = random.Random(0)
    for rnd in range(args.reps + 1):
        order = list(cmds)
        rng.shuffle(order)
        for label, argv in order:
            t0 = time.perf_counter()
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            dt = time.perf_counter() - t0
            if p.returncode != 0:
                print("warning: %s exited %d: %s" % (label, p.returncode, p.stderr.decode()[-300:]), file=sys.stderr)
            if rnd > 0:  # round 0 is warm-up
                times[label].append(dt)
    base = statistics.median(times["python -c pass"])
    print("| command | n | median ms | min ms | ratio to `python -c pass` |")
    print("|---|---|---|---|---|")
    for label, _ in cmds:
        t = times[label]
        print("| `%s` | %d | %.0f | %.0f | %.1f |" % (label, len(t), 1000 * statistics.median(t), 1000 * min(t),
                                                     statistics.median(t) / base))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case directories with base/ours/theirs.ipynb")
    ap.add_argument("--peers-venv", default="/opt/peers")
    ap.add_argument("--ours-cmd", help='nbmerge driver command, e.g. "python -m nbmerge merge-driver"; '
                    "'%s' is appended unless it has placeholders" % MERGE_PLACEHOLDERS.replace("%", "%%"))
    ap.add_argument("--ours-name", default="nbmerge")
    ap.add_argument("--tools", default=DEFAULT_TOOLS, help="comma list from: %s (default %s)"
                    % (", ".join(PEER_DRIVERS), DEFAULT_TOOLS))
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per driver run")
    ap.add_argument("--reps", type=int, default=1, help="repetitions (timing only after the first)")
    ap.add_argument("--keep", metavar="DIR", help="keep every driver's result notebook in DIR")
    ap.add_argument("--json", metavar="FILE", help="write per-case results as JSON")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--startup", action="store_true", help="measure start-up times instead of merging")
    ap.add_argument("--extra", action="append", default=[], metavar="LABEL=CMD",
                    help="extra command to time in --startup mode")
    ap.add_argument("--only-extra", action="store_true",
                    help="in --startup mode time only `python -c pass` and the --extra commands")
    args = ap.parse_args()
    if args.startup:
        startup_mode(args)
    else:
        if not args.cases:
            ap.error("give case directories (or --startup)")
        merge_mode(args)


if __name__ == "__main__":
    main()
