"""What `verify` found: a list of checks, the avatar it read and why, the profile the server
showed, and what `--writes` left behind."""

from dataclasses import asdict, dataclass, field
from typing import Any

DOCUMENTED = "documented"
FAKE = "fake"
PASS, DIVERGES, SKIP = "pass", "diverges", "skip"


@dataclass
class Check:
    id: str
    route: str
    basis: str
    status: str
    expected: str
    observed: str = ""


@dataclass(frozen=True)
class Seen:
    """What a server showed of one switch: one of its alternatives, or None for none of them."""

    alternative: str | None
    observed: str


@dataclass
class Report:
    base_url: str
    checks: list[Check] = field(default_factory=list)
    avatar: int | None = None
    avatar_reason: str = ""
    # Per switch, in the order of behaviour.SWITCHES: what the server showed, or why it is unknown.
    switches: dict[str, Seen | str] = field(default_factory=dict)
    left_behind: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(check.status == status for check in self.checks)

    def learned(self) -> dict[str, str]:
        """The switches decided: each with the alternative the server showed."""
        return {
            name: seen.alternative
            for name, seen in self.switches.items()
            if isinstance(seen, Seen) and seen.alternative is not None
        }

    def undecided(self) -> dict[str, str]:
        """The switches not decided, each with what was seen instead, or why it was not looked at."""
        return {
            name: seen if isinstance(seen, str) else f"none of them: {seen.observed}"
            for name, seen in self.switches.items()
            if not isinstance(seen, Seen) or seen.alternative is None
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "avatar": {"avatar_id": self.avatar, "why": self.avatar_reason},
            "checks": [asdict(check) for check in self.checks],
            "profile": self.learned(),
            "undecided": self.undecided(),
            "left_behind": self.left_behind,
        }

    def lines(self) -> list[str]:
        """The report as `verify` prints it, but for the count line."""
        avatar = "no avatar" if self.avatar is None else f"avatar {self.avatar}"
        lines = [f"{avatar}: {self.avatar_reason}"]
        width = max((len(check.id) for check in self.checks), default=0)
        for check in self.checks:
            line = f"{check.status.upper():8} {check.id:{width}}  {check.route}  [{check.basis}]"
            if check.status == DIVERGES:
                line += f"\n         expected {check.expected}\n         observed {check.observed}"
            elif check.status == SKIP:
                line += f": {check.observed}"
            lines.append(line)
        width = max((len(name) for name in self.switches), default=0)
        lines.append("the profile this server showed (--write-profile FILE writes the decided switches):")
        learned, undecided = self.learned(), self.undecided()
        for name in self.switches:
            shown = learned[name] if name in learned else f"undecided: {undecided[name]}"
            lines.append(f"  {name:{width}}  {shown}")
        if self.left_behind:
            lines.append("left behind (the API cannot undo these; the next run reuses them):")
            lines += [f"  {item}" for item in self.left_behind]
        return lines

    def count_line(self) -> str:
        return f"{self.count(PASS)} passed, {self.count(DIVERGES)} diverged, {self.count(SKIP)} skipped"
