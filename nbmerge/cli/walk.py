"""`nbmerge resolve PATH` in a terminal: each hunk in turn, settled by one key, written at once.

  walk_file(path, add=False) -> exit code: 0 nothing left, 1 conflicts left
  KEYS                       -> the keys and what each does

The standard library is enough here (termios for one key at a time, $VISUAL/$EDITOR for
`e`): a prompt library would add start-up time and a dependency for a single-key menu.
Every choice is written to the file before the next question, so quitting, a crash or a
closed terminal loses nothing; `u` writes the file back as it was before the last choice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from ..conflicts import ConflictKind, describe, find_conflicts
from ..errors import BadResolution, UsageError
from ..notebook import source_text
from ..resolve import Decision, Take, open_questions, resolve_conflicts
from .conflicts_plain import marker_rule, read_notebook, report_left, write_notebook

KEYS = {"o": "take ours", "t": "take theirs", "b": "take base", "a": "take both (ours, then theirs)",
        "e": "edit the result in $VISUAL / $EDITOR", "s": "skip: leave it for now",
        "u": "undo the last choice", "q": "quit (every choice so far is saved)", "?": "this help"}
TAKE_KEYS = {"o": Take.OURS, "t": Take.THEIRS, "b": Take.BASE, "a": Take.BOTH}
CONTEXT = 3  # lines of the cell shown around a hunk

_STYLES = {"ours": "32", "base": "2", "theirs": "34", "marker": "33", "title": "1", "dim": "2", "note": "36"}


class Screen:
    """Writes to the terminal, coloured unless NO_COLOR or TERM=dumb; reads one key at a time."""

    def __init__(self, tty_in, out):
        self.tty_in, self.out = tty_in, out
        self.color = not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def say(self, text: str = "", style: str = "") -> None:
        if self.color and style:
            text = f"\033[{_STYLES[style]}m{text}\033[0m"
        self.out.write(text + "\n")
        self.out.flush()

    def key(self, prompt: str) -> str:
        """One key press, without Enter; Ctrl-C and Ctrl-D count as q."""
        self.out.write(prompt)
        self.out.flush()
        try:
            import termios
            import tty
        except ImportError:  # Windows: the console reads one key itself (untested here)
            import msvcrt

            char = msvcrt.getwch()
            char = "q" if char in ("\x03", "\x04", "\x1a") else char
            self.out.write(char + "\n" if char.isprintable() else "\n")
            return char
        fd = self.tty_in.fileno()
        saved = termios.tcgetattr(fd)
        try:
            # TCSANOW: the default (TCSAFLUSH) throws away keys typed while we were writing
            tty.setcbreak(fd, termios.TCSANOW)
            char = os.read(fd, 1).decode("utf-8", "replace")
        except KeyboardInterrupt:
            char = "q"
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        char = "q" if char in ("\x03", "\x04", "") else char
        self.out.write(char + "\n" if char.isprintable() else "\n")
        return char


def _skip_key(conflict, index):
    """What a skip remembers: the hunk's own text, which other choices do not change."""
    if index is None:
        return conflict.id, None
    hunk = conflict.hunks[index]
    return conflict.id if conflict.cell_id else None, (hunk.ours, hunk.base, hunk.theirs)


def _show(screen: Screen, nb: dict, conflict, index, position: str) -> None:
    hunk_note = f" · hunk {index + 1} of {len(conflict.hunks)}" if index is not None and len(conflict.hunks) > 1 else ""
    screen.say()
    screen.say(f"── {describe(conflict)}{hunk_note} ── {position}", "title")
    if index is None:
        record = conflict.record
        for side in ("ours", "base", "theirs"):
            value = json.dumps(record[side], ensure_ascii=False) if side in record else "(no such key)"
            screen.say(f"  {side:<7} {value}", side)
        return
    hunk = conflict.hunks[index]
    lines = source_text(nb["cells"][conflict.cell_index]).splitlines()
    for line in lines[max(0, hunk.start - CONTEXT):hunk.start]:
        screen.say(f"   {line}", "dim")
    for side, label, body in (("ours", hunk.labels[0], hunk.ours), ("base", hunk.labels[1], hunk.base),
                              ("theirs", hunk.labels[2], hunk.theirs)):
        if body is None:
            continue
        title = label if label.startswith(side) else f"{side} ({label})" if label else side
        screen.say(f" {title}:", "marker")
        for line in body:
            screen.say("   " + line.rstrip("\r\n"), side)
        if not body:
            screen.say("   (nothing)", "dim")
    for line in lines[hunk.stop:hunk.stop + CONTEXT]:
        screen.say(f"   {line}", "dim")


def _edit(screen: Screen, conflict, index) -> str:
    """The user's text for the hunk (or the value, as JSON), written in their editor; None if unchanged."""
    if index is None:
        record = conflict.record
        prefill = json.dumps(record.get("ours"), indent=1, ensure_ascii=False) + "\n"
        suffix = ".json"
    else:
        hunk = conflict.hunks[index]
        size = hunk.size
        prefill = "".join([f"{'<' * size} ours\n", *hunk.ours,
                           *([f"{'|' * size} base\n", *hunk.base] if hunk.base is not None else []),
                           f"{'=' * size}\n", *hunk.theirs, f"{'>' * size} theirs\n"])
        suffix = ".py" if conflict.kind is not ConflictKind.METADATA else ".txt"
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    handle, name = tempfile.mkstemp(prefix="nbmerge-", suffix=suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(prefill)
        # as git runs an editor: through the shell, so "code --wait" or "vim -u NONE" work
        if os.name == "nt":  # no sh: cmd.exe's quoting (untested here)
            status = subprocess.call(f'{editor} "{name}"', shell=True)
        else:
            status = subprocess.call(["sh", "-c", f'{editor} "$@"', editor, name])
        with open(name, encoding="utf-8") as stream:
            text = stream.read()
    finally:
        os.unlink(name)
    if status != 0:
        screen.say(f"the editor exited with {status}: nothing changed", "note")
        return None
    if text == prefill:
        screen.say("unchanged: nothing written", "note")
        return None
    return text


def walk_file(path: str, *, add: bool = False, by_git: bool = False, tty_in=None, out=None) -> int:
    """Ask about each open hunk of path in turn; write each answer at once. Returns the exit code."""
    tty_in = tty_in or sys.stdin
    out = out or sys.stdout
    if not tty_in.isatty():
        raise UsageError("resolve without --take asks in a terminal; here give --take and --conflict ID or --all")
    screen = Screen(tty_in, out)
    nb, layout = read_notebook(path)
    rule = marker_rule(path)
    history = []  # notebooks as they were before each choice, for u
    skipped = set()
    settled = 0
    while True:
        items = open_questions(nb, rule)
        open_items = [(c, i) for c, i in items if _skip_key(c, i) not in skipped]
        if not open_items:
            break
        conflict, index = open_items[0]
        _show(screen, nb, conflict, index, f"{len(items)} left")
        choice = screen.key("[o]urs [t]heirs [b]ase [a] both [e]dit [s]kip [u]ndo [q]uit [?] > ")
        if choice == "q":
            break
        if choice == "?":
            for key, meaning in KEYS.items():
                if key == "q" and by_git:  # git mergetool puts MERGED back when the tool exits 1
                    meaning = "quit (with conflicts left, git mergetool puts the file back as it was)"
                screen.say(f"  {key}  {meaning}", "note")
            continue
        if choice == "s":
            skipped.add(_skip_key(conflict, index))
            continue
        if choice == "u":
            if not history:
                screen.say("nothing to undo", "note")
                continue
            nb = history.pop()
            write_notebook(path, nb, layout)
            settled -= 1
            screen.say("undone: the file is back as it was before your last choice", "note")
            continue
        if choice in TAKE_KEYS:
            decision = Decision(conflict, TAKE_KEYS[choice], hunk=index)
        elif choice == "e":
            text = _edit(screen, conflict, index)
            if text is None:
                continue
            decision = Decision(conflict, text=text, hunk=index)
        else:
            screen.say(f"{choice!r} is not a key here; ? lists them", "note")
            continue
        try:
            result = resolve_conflicts(nb, [decision])
        except BadResolution as exc:
            screen.say(f"{exc}; nothing written", "note")
            continue
        if result.skipped:
            screen.say(f"not possible: {result.skipped[0][1]}", "note")
            continue
        history.append(nb)
        nb = result.notebook
        write_notebook(path, nb, layout)
        settled += 1
        screen.say(f"→ {'edited' if decision.text is not None else 'took ' + decision.take.value}; saved", "note")
    left = find_conflicts(nb, rule)
    screen.say()
    choices = f"{settled} choice{'s' if settled != 1 else ''}"
    if by_git and left and settled:  # git mergetool moves its backup over MERGED when a tool exits 1
        screen.say(f"{path}: {choices} made; as conflicts are left, git mergetool puts the file back as it was "
                   f"(hg keeps it). `nbmerge resolve {path}` keeps each choice as you make it", "title")
    else:
        screen.say(f"{path}: {choices} saved", "title")
    return report_left(path, left, add=add, err=out, by_git=by_git)
