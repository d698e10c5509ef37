"""`verify` and `snapshot`: the commands that read a SmartEngage API, the real one or a fake.

Both exit 2 with one line naming the URL, and no traceback, when they cannot run; neither ever
prints the API key. Only the standard library is imported until a command runs: `cli` builds
its parser from this module, and `healthcheck` needs no more.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .remote import CannotRun, Remote

API_KEY_VARIABLE = "SMARTENGAGE_API_KEY"
DEFAULT_TIMEOUT = 15.0


def add_remote_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", required=True, help="the API to read, e.g. https://api.smartengage.com")
    parser.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_VARIABLE),
        help=f"its API key (default: the {API_KEY_VARIABLE} variable, which keeps it out of process listings)",
    )
    parser.add_argument(
        "--max-rps",
        type=float,
        help="at most this many requests a second (default: 2 to another host, unlimited on loopback)",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per request (default {DEFAULT_TIMEOUT:g})"
    )


def _remote(args: argparse.Namespace) -> "Remote":
    from .remote import CannotRun, Remote, default_max_rps

    if not args.api_key:
        raise CannotRun(f"no API key for {args.base_url}: pass --api-key or set {API_KEY_VARIABLE}")
    max_rps = args.max_rps if args.max_rps is not None else default_max_rps(args.base_url)
    return Remote(args.base_url, args.api_key, max_rps=max_rps or None, timeout=args.timeout)


def _fail(error: "CannotRun") -> int:
    print(f"fake-smartengage: {error}", file=sys.stderr)
    return 2


def verify(args: argparse.Namespace) -> int:
    from ..api.behaviour import DEFAULT, ProfileError, read_profile
    from .remote import CannotRun
    from .verify import DIVERGES, Verifier

    if args.writes and args.avatar_id is None:
        print("fake-smartengage: verify --writes needs --avatar-id, the avatar it may write to", file=sys.stderr)
        return 2
    try:
        expected = read_profile(args.profile) if args.profile else DEFAULT
    except ProfileError as error:
        print(f"fake-smartengage: {error}", file=sys.stderr)
        return 2
    try:
        with _remote(args) as remote:
            report = Verifier(remote, avatar_id=args.avatar_id, writes=args.writes, profile=expected).run()
    except CannotRun as error:
        return _fail(error)
    print("\n".join(report.lines()))
    learned = report.learned()
    try:
        if args.json:
            args.json.write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
        if args.write_profile:
            args.write_profile.write_text(json.dumps(learned, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        print(f"fake-smartengage: cannot write {error.filename}: {error.strerror or error}", file=sys.stderr)
        return 2
    if args.write_profile:
        undecided = ", ".join(report.undecided()) or "none"
        print(f"wrote {len(learned)} switches to {args.write_profile} (undecided: {undecided})")
    print(report.count_line())
    return 1 if report.count(DIVERGES) else 0


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    add_remote_arguments(parser)
    parser.add_argument("--avatar-id", type=int, help="the avatar to read, and with --writes to write to")
    parser.add_argument(
        "--writes",
        action="store_true",
        help="also check the write routes on a subscriber fake-smartengage-verify@example.com of --avatar-id",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results to FILE as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="judge by this behaviour profile, as serve --profile takes it (default: the fake's defaults)",
    )
    parser.add_argument(
        "--write-profile",
        type=Path,
        metavar="FILE",
        help="write the switches this server showed to FILE, a profile for serve --profile",
    )


def snapshot(args: argparse.Namespace) -> int:
    from .remote import CannotRun
    from .snapshot import take_snapshot

    def progress(line: str) -> None:
        print(f"fake-smartengage: snapshot: {line}", file=sys.stderr, flush=True)

    try:
        with _remote(args) as remote:
            document = take_snapshot(remote, as_key=args.as_key, progress=progress)
    except CannotRun as error:
        return _fail(error)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        progress(f"wrote {len(document['accounts'][0]['avatars'])} avatars to {args.output}")
    return 0


def add_snapshot_arguments(parser: argparse.ArgumentParser, reference_key: str) -> None:
    add_remote_arguments(parser)
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the fixture here (default: standard output)")
    parser.add_argument(
        "--as-key",
        default=reference_key,
        metavar="KEY",
        help=f"the API key the fixture's account gets (default: the reference's {reference_key})",
    )
