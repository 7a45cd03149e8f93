"""Known-vulnerability report on newslake's dependencies (``make audit``): reports, never blocks.

Runs pip-audit on the pinned requirement files (exact pins, ``--no-deps --disable-pip``: nothing
is installed or downloaded) and, with ``--installed``, on the packages installed in this
interpreter's environment (the transitive dependencies too), then prints one summary per
target and a last line starting with ``dependency audit:``. The exit status is always 0: a
vulnerability is a finding to read, and a machine without access to the vulnerability service
(PyPI's JSON API by default) must not fail the build — pip-audit itself then says "No known
vulnerabilities found" while every package was skipped, so the summary counts the skipped
packages and says they could not be audited.

    python tools/audit_dependencies.py                       # requirements.txt + requirements-dev.txt
    python tools/audit_dependencies.py --installed           # ... and the installed environment
    python tools/audit_dependencies.py -r other.txt --timeout 60
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
DEFAULT_TIMEOUT_SECONDS = 600.0


@dataclass
class AuditResult:
    target: str
    audited: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (package, why)
    vulnerable: list[str] = field(default_factory=list)  # "name==version: ID (fix: ...)"
    failure: str | None = None  # why pip-audit gave no answer at all


def default_pip_audit() -> str | None:
    """pip-audit next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("pip-audit")
    return str(beside) if beside.exists() else shutil.which("pip-audit")


def run_pip_audit(pip_audit: str | None, arguments: list[str], target: str, timeout: float) -> AuditResult:
    result = AuditResult(target)
    if not pip_audit or not Path(pip_audit).exists():
        result.failure = f"pip-audit not found ({pip_audit or 'not on PATH'}); install requirements-dev.txt"
        return result
    command = [pip_audit, *arguments, "--format", "json", "--progress-spinner", "off"]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        result.failure = f"pip-audit did not finish within {timeout:g} s"
        return result
    # Exit 1 with JSON on stdout means "vulnerabilities found"; anything without JSON is a failure.
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        result.failure = f"pip-audit exited {completed.returncode}: {lines[-1] if lines else 'no output'}"
        return result
    for dependency in report.get("dependencies", []):
        name, version = dependency.get("name", "?"), dependency.get("version")
        if "skip_reason" in dependency:
            result.skipped.append((name, dependency["skip_reason"]))
            continue
        result.audited += 1
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            result.vulnerable.append(f"{name}=={version}: {vuln.get('id', '?')}" + (f" ({aliases})" if aliases else "") + f", fixed in: {fixes}")
    return result


def describe(result: AuditResult) -> list[str]:
    if result.failure:
        return [f"{result.target}: could not be audited: {result.failure}"]
    lines = []
    if result.vulnerable:
        packages = {line.split(":", 1)[0] for line in result.vulnerable}
        lines.append(f"{result.target}: {len(packages)} vulnerable package(s):")
        lines += [f"  {line}" for line in result.vulnerable]
    if result.skipped:
        example = result.skipped[0][1]
        if result.audited == 0:
            lines.append(
                f"{result.target}: could not be audited: all {len(result.skipped)} package(s) skipped "
                f"(vulnerability service unreachable?), e.g. {example}"
            )
        else:
            lines.append(f"{result.target}: {len(result.skipped)} package(s) could not be audited, e.g. {example}")
    if not result.vulnerable and result.audited:
        lines.append(f"{result.target}: no known vulnerabilities in {result.audited} audited package(s)")
    if not lines:
        lines.append(f"{result.target}: no packages to audit")
    return lines


def summary(results: list[AuditResult]) -> str:
    vulnerable = sorted({line.split(":", 1)[0] for result in results for line in result.vulnerable})
    unaudited = [result.target for result in results if result.failure or (result.skipped and not result.audited)]
    partial = [result.target for result in results if result.skipped and result.audited]
    parts = []
    if vulnerable:
        parts.append(f"{len(vulnerable)} vulnerable package(s): {', '.join(vulnerable)}")
    if unaudited:
        parts.append(f"could not be audited: {', '.join(unaudited)}")
    if partial:
        parts.append(f"incomplete: {', '.join(partial)}")
    if not parts:
        parts.append("no known vulnerabilities")
    return "dependency audit: " + "; ".join(parts) + " (report only, never fails the build)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-r", "--requirement", action="append", help="a pinned requirements file (repeatable; default: the project's two)")
    parser.add_argument("--installed", action="store_true", help="also audit the packages installed in this environment")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per pip-audit run")
    parser.add_argument("--pip-audit", default=default_pip_audit(), help="the pip-audit executable")
    args = parser.parse_args(argv)

    files = args.requirement or [str(PROJECT_ROOT / name) for name in DEFAULT_REQUIREMENTS]
    results = []
    if files:
        # One run over every file: a file that includes another (-r requirements.txt) is audited once.
        arguments = [option for name in files for option in ("-r", name)] + ["--no-deps", "--disable-pip"]
        results.append(run_pip_audit(args.pip_audit, arguments, " + ".join(Path(name).name for name in files), args.timeout))
    if args.installed:
        results.append(run_pip_audit(args.pip_audit, [], "installed environment", args.timeout))
    for result in results:
        print("\n".join(describe(result)))
    print(summary(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
