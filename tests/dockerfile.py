"""The Dockerfile without Docker: read its instructions, and build and run its image on this machine.

There is no Docker engine where the tests run, so `build_image` performs the recipe's steps
itself, as close to what Docker does as a process on the host can be:

* each stage gets its own folder playing its root file system; absolute paths in the stage's
  instructions and commands are mapped into it (or into a `RUN --mount`'s source);
* COPY takes files from the build context, the repository filtered by `.dockerignore` with
  Docker's matching rules, or from an earlier stage's folder;
* RUN commands run for real, with `pip` and `python` being those of one fresh virtualenv, which
  plays the base image's Python (the local interpreter stands in for the image's version);
* what needs root or the image's own /etc (groupadd, useradd, chown) is recorded, not run:
  `Image.users` says which users the recipe creates, for the tests to check USER against.

`Image.start` then runs ENTRYPOINT + CMD the way `docker run` does: only the image's ENV (and
`-e` overrides) in the environment, the WORKDIR as the current folder, mounts replacing folders.
Anything the emulation cannot perform faithfully is an error naming the instruction, so a new
kind of step in the Dockerfile makes the tests say what to teach it rather than skip it.
"""

import functools
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from processes import Server, clean_env

# Instructions that may start with --flag[=value] options.
FLAGGED = {"FROM", "COPY", "ADD", "RUN", "HEALTHCHECK"}


@dataclass
class Instruction:
    keyword: str  # upper case
    flags: dict[str, str]
    rest: str  # the arguments after the flags, continuation lines joined
    line: int  # where it starts in the file, from 1

    def exec_form(self) -> list[str] | None:
        """The arguments as a JSON array (exec form), or None in shell form."""
        return _json_array(self.rest)

    def __str__(self) -> str:
        return f"line {self.line}: {self.keyword} {self.rest}"


@dataclass
class Stage:
    image: str  # the FROM image reference
    name: str | None
    instructions: list[Instruction]


def _json_array(text: str) -> list[str] | None:
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return value


def parse(text: str) -> list[Instruction]:
    """Instructions of a Dockerfile: comments (and parser directives) dropped, `\\` continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue  # Docker drops comment lines even inside a continuation
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        logical = " ".join(part for part in pending if part)
        pending = []
        keyword, _, rest = logical.partition(" ")
        keyword, rest, flags = keyword.upper(), rest.strip(), {}
        if keyword in FLAGGED:
            while match := re.match(r"--([a-z-]+)(?:=(\S*))?(?:\s+|$)", rest):
                flags[match.group(1)] = match.group(2) or ""
                rest = rest[match.end() :]
        instructions.append(Instruction(keyword, flags, rest, start))
    if pending:
        raise ValueError("the Dockerfile ends inside a line continuation")
    return instructions


def stages(instructions: list[Instruction]) -> list[Stage]:
    result: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            if len(words) not in (1, 3) or (len(words) == 3 and name is None):
                raise ValueError(f"cannot read {instruction}")
            result.append(Stage(words[0], name, []))
        elif not result:
            if instruction.keyword != "ARG":
                raise ValueError(f"{instruction} comes before any FROM")
        else:
            result[-1].instructions.append(instruction)
    return result


def env_pairs(instruction: Instruction) -> dict[str, str]:
    """ENV KEY=value [KEY=value ...], or the legacy ENV KEY value."""
    words = shlex.split(instruction.rest)
    if words and "=" not in words[0]:
        return {words[0]: instruction.rest.split(None, 1)[1] if len(words) > 1 else ""}
    pairs = {}
    for word in words:
        key, equals, value = word.partition("=")
        if not equals:
            raise ValueError(f"cannot read {instruction}")
        pairs[key] = value
    return pairs


def healthcheck_command(instruction: Instruction) -> list[str]:
    kind, _, command = instruction.rest.partition(" ")
    if kind.upper() != "CMD":
        raise ValueError(f"{instruction} runs no command")
    return _json_array(command.strip()) or ["/bin/sh", "-c", command.strip()]


def split_image(reference: str) -> tuple[str, str | None, str | None]:
    """name, tag, digest of an image reference such as python:3.12-slim@sha256:..."""
    reference, _, digest = reference.partition("@")
    name, tag = reference, None
    if ":" in reference.rsplit("/", 1)[-1]:
        name, tag = reference.rsplit(":", 1)
    return name, tag, digest or None


# ---------------------------------------------------------------------------------------------
# .dockerignore


def _pattern_regex(pattern: str) -> re.Pattern:
    """A Go filepath.Match pattern with Docker's `**` extension, as a regular expression."""
    out, index = "", 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):  # "**/": zero or more folders
                index += 1
                out += "(?:.*/)?"
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", index)
            out += "[" + pattern[index + 1 : end].replace("!", "^", 1) + "]"
            index = end
        elif char == "\\":
            index += 1
            out += re.escape(pattern[index])
        else:
            out += re.escape(char)
        index += 1
    return re.compile(out + r"\Z")


@dataclass
class DockerIgnore:
    rules: list[tuple[bool, re.Pattern]]  # (is an exception "!...", pattern)

    @classmethod
    def read(cls, path: Path) -> "DockerIgnore":
        return cls.read_lines(path.read_text().splitlines() if path.exists() else [])

    @classmethod
    def read_lines(cls, lines: list[str]) -> "DockerIgnore":
        rules = []
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            cleaned = os.path.normpath(line[1:].strip() if exception else line).lstrip("/")
            rules.append((exception, _pattern_regex(cleaned)))
        return cls(rules)

    def excluded(self, relative: str) -> bool:
        """Whether a path (relative to the context, `/`-separated) stays out of the build context.

        As Docker's pattern matcher: the last rule matching the path or one of its parent
        folders decides."""
        parts = PurePosixPath(relative).parts
        candidates = ["/".join(parts[:length]) for length in range(1, len(parts) + 1)]
        excluded = False
        for exception, regex in self.rules:
            if any(regex.match(candidate) for candidate in candidates):
                excluded = not exception
        return excluded


# ---------------------------------------------------------------------------------------------
# Building and running


@dataclass
class Image:
    root: Path  # the final stage's file system
    venv: Path  # plays the image's Python installation
    env: dict[str, str]  # ENV, with container paths
    workdir: str
    user: str | None
    users: dict[str, int]  # recorded useradd: name -> uid
    owners: dict[str, str]  # recorded chown: container path -> owner
    exposed: list[str]
    healthcheck: Instruction | None
    entrypoint: list[str]
    cmd: list[str]
    stage_roots: dict[str, Path]

    def host_path(self, path: str, mounts: dict[str, Path] | None = None) -> Path:
        return _host_path(path, self.workdir, mounts or {}, self.root)

    def runtime_env(
        self, overrides: dict[str, str] | None = None, mounts: dict[str, Path] | None = None
    ) -> dict[str, str]:
        """What a process in the container sees: the base image's essentials, ENV, `-e` overrides.

        Container paths in values (':'-separated lists too) are mapped to the host."""
        base = {
            "PATH": f"{self.venv / 'bin'}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
            "LANG": "C.UTF-8",
            "HOME": str(self.host_path(self.workdir, mounts)),
        }
        values = {**self.env, **(overrides or {})}
        return {**base, **{key: self._map_value(value, mounts) for key, value in values.items()}}

    def _map_value(self, value: str, mounts: dict[str, Path] | None) -> str:
        parts = value.split(":")
        if not any(part.startswith("/") for part in parts):
            return value
        return ":".join(str(self.host_path(part, mounts)) if part.startswith("/") else part for part in parts)

    def argv(self, args: list[str] | None = None) -> list[str]:
        """ENTRYPOINT + CMD, or ENTRYPOINT + the arguments given after the image name."""
        return [*self.entrypoint, *(self.cmd if args is None else args)]

    def run(
        self, argv: list[str], env: dict[str, str], mounts: dict[str, Path] | None = None, timeout: float | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._resolve(argv, env),
            env=env,
            cwd=self.host_path(self.workdir, mounts),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def start(
        self, logs: Path, *, env: dict[str, str], mounts: dict[str, Path] | None = None, args: list[str] | None = None
    ) -> Server:
        """Starts the container's main process (not waiting for it); its url is the configured port's."""
        logs.mkdir(parents=True, exist_ok=True)
        stdout_path, stderr_path = logs / "stdout.txt", logs / "stderr.txt"
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                self._resolve(self.argv(args), env),
                env=env,
                cwd=self.host_path(self.workdir, mounts),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        return Server(f"http://127.0.0.1:{env['FAKE_SMARTENGAGE_PORT']}", process, stdout_path, stderr_path)

    @staticmethod
    def _resolve(argv: list[str], env: dict[str, str]) -> list[str]:
        program = shutil.which(argv[0], path=env["PATH"])
        if program is None:
            raise FileNotFoundError(f"{argv[0]} is not on the container's PATH {env['PATH']}")
        return [program, *argv[1:]]


def _host_path(path: str, workdir: str, mounts: dict[str, Path], root: Path) -> Path:
    container = PurePosixPath(workdir, path)  # an absolute path stays as it is
    for target in sorted(mounts, key=len, reverse=True):
        if container == PurePosixPath(target) or PurePosixPath(target) in container.parents:
            return mounts[target] / container.relative_to(target)
    return root / container.relative_to("/")


def _copy_tree(source: Path, dest: Path, keep) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_file() and keep(path):
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


class Builder:
    """Performs the Dockerfile's stages in `work`; see the module's docstring."""

    def __init__(self, context: Path, dockerfile: Path, work: Path, venv: Path, run_env: dict[str, str]):
        self.context = context
        self.ignore = DockerIgnore.read(context / ".dockerignore")
        self.stages = stages(parse(dockerfile.read_text()))
        self.work = work
        self.venv = venv
        self.run_env = run_env
        self.log: list[str] = []  # what was performed, for failure messages

    def build(self) -> Image:
        roots: dict[str, Path] = {}
        image = None
        for index, stage in enumerate(self.stages):
            root = self.work / f"stage{index}"
            root.mkdir(parents=True)
            roots[str(index)] = root
            if stage.name:
                roots[stage.name] = root
            image = self._stage(stage, root, roots)
        assert image is not None, "the Dockerfile has no FROM"
        return image

    def _stage(self, stage: Stage, root: Path, roots: dict[str, Path]) -> Image:
        image = Image(
            root=root,
            venv=self.venv,
            env={},
            workdir="/",
            user=None,
            users={},
            owners={},
            exposed=[],
            healthcheck=None,
            entrypoint=[],
            cmd=[],
            stage_roots=roots,
        )
        for instruction in stage.instructions:
            self.log.append(str(instruction))
            keyword = instruction.keyword
            if keyword in ("ENV", "WORKDIR", "COPY", "USER", "EXPOSE") and "$" in instruction.rest:
                raise NotImplementedError(f"variable substitution is not emulated: {instruction}")
            if keyword == "WORKDIR":
                image.workdir = str(PurePosixPath(image.workdir, instruction.rest))
                image.host_path(image.workdir).mkdir(parents=True, exist_ok=True)
            elif keyword == "ENV":
                image.env.update(env_pairs(instruction))
            elif keyword == "COPY":
                self._copy(instruction, image, roots)
            elif keyword == "RUN":
                self._run(instruction, image, roots)
            elif keyword == "USER":
                image.user = instruction.rest
            elif keyword == "EXPOSE":
                image.exposed.extend(instruction.rest.split())
            elif keyword == "HEALTHCHECK":
                image.healthcheck = instruction
            elif keyword in ("ENTRYPOINT", "CMD"):
                argv = instruction.exec_form()
                if argv is None:
                    raise NotImplementedError(f"shell form is not emulated (and not wanted): {instruction}")
                if keyword == "ENTRYPOINT":
                    image.entrypoint, image.cmd = argv, []  # as Docker: a new ENTRYPOINT resets CMD
                else:
                    image.cmd = argv
            elif keyword not in ("LABEL", "ARG", "STOPSIGNAL"):
                raise NotImplementedError(f"the emulation does not know {instruction}")
        return image

    def _copy(self, instruction: Instruction, image: Image, roots: dict[str, Path]) -> None:
        unknown = set(instruction.flags) - {"from", "chown", "chmod", "link"}
        if unknown:
            raise NotImplementedError(f"COPY flags {unknown} are not emulated: {instruction}")
        words = instruction.exec_form() or shlex.split(instruction.rest)
        *sources, dest = words
        source_stage = instruction.flags.get("from")
        if source_stage is not None:
            base, keep = roots[source_stage], (lambda path: True)
        else:
            base = self.context

            def keep(path: Path) -> bool:
                return not self.ignore.excluded(path.relative_to(self.context).as_posix())

        target = image.host_path(dest)
        into_folder = dest.endswith("/") or len(sources) > 1
        for source in sources:
            path = base / source.lstrip("/")
            if path.is_dir():
                _copy_tree(path, target, keep)
            elif path.is_file() and keep(path):
                destination = target / path.name if into_folder else target
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
            else:
                raise FileNotFoundError(f"{source} is not in the build context (.dockerignore?): {instruction}")

    def _run(self, instruction: Instruction, image: Image, roots: dict[str, Path]) -> None:
        mounts: dict[str, Path] = {}
        for name, value in instruction.flags.items():
            if name != "mount":
                raise NotImplementedError(f"RUN --{name} is not emulated: {instruction}")
            options = dict(part.split("=", 1) for part in value.split(","))
            if options.get("type", "bind") != "bind":
                raise NotImplementedError(f"only bind mounts are emulated: {instruction}")
            source_root = roots[options["from"]] if "from" in options else self.context
            mounts[options["target"]] = source_root / options.get("source", "/").lstrip("/")
        if instruction.exec_form() is not None:
            raise NotImplementedError(f"RUN in exec form is not emulated: {instruction}")
        lexer = shlex.shlex(instruction.rest, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        commands: list[list[str]] = [[]]
        for token in lexer:
            if token == "&&":
                commands.append([])
            elif set(token) <= set("();<>|&"):
                raise NotImplementedError(f"shell operator {token!r} is not emulated: {instruction}")
            else:
                commands[-1].append(token)
        for argv in commands:
            self._command(argv, instruction, image, mounts)

    def _command(self, argv: list[str], instruction: Instruction, image: Image, mounts: dict[str, Path]) -> None:
        program = argv[0]

        def mapped(arg: str) -> list[str]:
            # --option=/path, or /path; globs expand as the shell would
            prefix, value = (
                (arg.split("=", 1)[0] + "=", arg.split("=", 1)[1]) if arg.startswith("--") and "=" in arg else ("", arg)
            )
            if not value.startswith("/"):
                return [arg]
            host = str(_host_path(value, image.workdir, mounts, image.root))
            if any(char in value for char in "*?["):
                matches = sorted(glob.glob(host))
                return [prefix + match for match in matches] or [prefix + host]
            return [prefix + host]

        if program in ("pip", "python", "python3"):
            args = [word for arg in argv[1:] for word in mapped(arg)]
            env = {**self.run_env, **{k: image._map_value(v, mounts) for k, v in image.env.items()}}
            env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
            completed = subprocess.run(
                [str(self.venv / "bin" / program), *args],
                env=env,
                capture_output=True,
                text=True,
                cwd=_host_path(image.workdir, image.workdir, mounts, image.root),
            )
            if completed.returncode != 0:
                raise RuntimeError(
                    f"{instruction} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
                )
        elif program == "mkdir":
            for arg in argv[1:]:
                if not arg.startswith("-"):
                    _host_path(arg, image.workdir, mounts, image.root).mkdir(parents=True, exist_ok=True)
        elif program == "useradd":
            uid = argv[argv.index("--uid") + 1]
            image.users[argv[-1]] = int(uid)
        elif program == "groupadd":
            pass  # the group is recorded through useradd --gid
        elif program == "chown":
            owner, *paths = [arg for arg in argv[1:] if not arg.startswith("-")]
            for path in paths:
                image.owners[path] = owner
        else:
            raise NotImplementedError(f"the emulation does not know how to perform {program!r}: {instruction}")


# ---------------------------------------------------------------------------------------------
# docker run command lines (as the docs show them)

_RUN_VALUE_FLAGS = {
    "-p": "publish",
    "--publish": "publish",
    "-v": "volume",
    "--volume": "volume",
    "-e": "env",
    "--env": "env",
    "--name": "name",
    "--network": "network",
}
_RUN_SWITCHES = {"--rm", "-d", "--detach", "-i", "-t", "-it", "--init"}


@dataclass
class DockerRun:
    image: str
    args: list[str] | None  # after the image name: they replace CMD; None: CMD as it is
    env: dict[str, str | None] = field(default_factory=dict)  # -e NAME=value, or -e NAME (from the caller's env)
    volumes: list[tuple[str, str, str]] = field(default_factory=list)  # source, target, options
    ports: list[tuple[str, str]] = field(default_factory=list)  # host, container
    switches: set[str] = field(default_factory=set)
    options: dict[str, str] = field(default_factory=dict)


def parse_docker_run(command: str, variables: dict[str, str] | None = None) -> DockerRun:
    """A `docker run` command line; $NAME and ${NAME} in it are replaced from `variables`."""
    words = shlex.split(command.replace("\\\n", " "))
    if words[:2] != ["docker", "run"]:
        raise ValueError(f"not a docker run command: {command}")

    def expand(word: str) -> str:
        def value(match: re.Match) -> str:
            name = match.group(1) or match.group(2)
            if variables is None or name not in variables:
                raise KeyError(f"${name} in {command!r}")
            return variables[name]

        return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, word)

    words = [expand(word) for word in words[2:]]
    run = DockerRun(image="", args=None)
    index = 0
    while index < len(words) and words[index].startswith("-"):
        word = words[index]
        flag, equals, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if flag in _RUN_SWITCHES:
            run.switches.add(flag)
            index += 1
            continue
        if flag not in _RUN_VALUE_FLAGS:
            raise ValueError(f"docker run flag {word} is not known to this test: {command}")
        value = inline if equals else words[index + 1]
        index += 1 if equals else 2
        kind = _RUN_VALUE_FLAGS[flag]
        if kind == "env":
            name, has_value, env_value = value.partition("=")
            run.env[name] = env_value if has_value else None
        elif kind == "volume":
            source, target, *options = value.split(":")
            run.volumes.append((source, target, ",".join(options)))
        elif kind == "publish":
            host, container = value.rsplit(":", 1)
            run.ports.append((host, container))
        else:
            run.options[kind] = value
    run.image = words[index]
    run.args = words[index + 1 :] or None
    return run


@functools.cache
def cli_variables() -> frozenset[str]:
    """The FAKE_SMARTENGAGE_* variables `fake-smartengage serve --help` names."""
    script = Path(sys.executable).parent / "fake-smartengage"  # the project's own, as the CLI under test
    completed = subprocess.run(
        [str(script), "serve", "--help"], capture_output=True, text=True, check=True, env=clean_env(COLUMNS="200")
    )
    return frozenset(re.findall(r"\[(FAKE_SMARTENGAGE_[A-Z_]+)\]", completed.stdout))
