"""Summarize py-spy's collapsed stacks (``py-spy record -f raw``) into a short text report.

A collapsed line is ``frame;frame;...;frame COUNT`` with frames like ``function (path/to/file.py:12)``.
The report lists the frames with the most inclusive samples, the most self samples, and, for chosen anchor
frames (e.g. a view function), what they spend their samples on one level down.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*?)(?::\d+)?\)$")


def frame_key(frame: str) -> str:
    """``func (site-packages/pkg/mod.py:12)`` -> ``func (pkg/mod.py)``: one key per function, any line."""
    found = _FRAME.match(frame)
    if not found:
        return frame
    path = found.group("file").split("site-packages/")[-1]
    return f"{found.group('func')} ({path})"


@dataclass(frozen=True)
class Stack:
    frames: tuple[str, ...]
    count: int


def parse(lines: Iterable[str], exclude: Sequence[str] = ()) -> list[Stack]:
    """Parse collapsed lines; drop stacks containing any of ``exclude`` (e.g. idle waits, imports)."""
    stacks = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        text, _, count = line.rpartition(" ")
        if not text or not count.isdigit():
            continue
        if any(word in text for word in exclude):
            continue
        stacks.append(Stack(tuple(frame_key(f) for f in text.split(";")), int(count)))
    return stacks


def inclusive(stacks: Sequence[Stack]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for stack in stacks:
        for frame in set(stack.frames):
            counts[frame] += stack.count
    return counts


def own(stacks: Sequence[Stack]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for stack in stacks:
        if stack.frames:
            counts[stack.frames[-1]] += stack.count
    return counts


def below(stacks: Sequence[Stack], anchor: str) -> Counter[str]:
    """Samples under the first frame starting with ``anchor``, by the frame one level down."""
    counts: Counter[str] = Counter()
    for stack in stacks:
        for index, frame in enumerate(stack.frames):
            if frame.startswith(anchor):
                child = stack.frames[index + 1] if index + 1 < len(stack.frames) else "(self)"
                counts[child] += stack.count
                break
    return counts


def report(stacks: Sequence[Stack], title: str, anchors: Sequence[str] = (), top: int = 40, note: str = "") -> str:
    total = sum(s.count for s in stacks) or 1
    lines = [title, "=" * len(title)]
    if note:
        lines += [note, ""]
    lines.append(f"samples: {total}")
    lines += ["", "inclusive (share of samples whose stack contains the frame):"]
    lines += [f"  {n / total * 100:5.1f}%  {frame}" for frame, n in inclusive(stacks).most_common(top)]
    lines += ["", "self (share of samples in the frame itself):"]
    lines += [f"  {n / total * 100:5.1f}%  {frame}" for frame, n in own(stacks).most_common(top // 2)]
    for anchor in anchors:
        children = below(stacks, anchor)
        if not children:
            continue
        lines += ["", f"under {anchor} ({sum(children.values()) / total * 100:.1f}% of samples):"]
        lines += [f"  {n / total * 100:5.1f}%  {frame}" for frame, n in children.most_common(12)]
    return "\n".join(lines) + "\n"
