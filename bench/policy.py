"""Policy engine throughput: classify a 10k-command mix, compared with bare tree-sitter
parsing of the same commands in the same run.

Goal: >= 20k commands/s, p99 < 1 ms, and at most 5x the bare parse.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from cockpit.policy.engine import Policy
from cockpit.policy.model import ShellAction
from cockpit.policy.shell.analysis import analyze, parser

# What agents run, weighted towards the everyday: inspection, search, git, tests, edits,
# with a tail of compound, nested and hostile commands.
TEMPLATES = [
    "git status",
    "git status && pwd",
    "git diff --stat",
    "git log --oneline -n {n}",
    "git show HEAD~{n} --stat",
    "git add {file} && git commit -m 'fix {word}'",
    "git checkout -b feature/{word}",
    "git push origin feature/{word}",
    "ls -la {dir}",
    "ls",
    "cat {file}",
    "head -n {n} {file}",
    "tail -n {n} {file} | grep {word}",
    "wc -l {file} {file2}",
    "grep -rn {word} {dir} | head -20",
    "rg -n '{word}' {dir}",
    "rg --files | wc -l",
    "find {dir} -name '*.py' -type f",
    "find . -name '*.pyc' -delete",
    "sed -n '{n},{m}p' {file}",
    "sed -i 's/{word}/{word2}/g' {file}",
    "python -m pytest tests/{word} -q",
    "pytest -x -k {word}",
    "python {file}",
    "python -c 'import {word}; print({word}.__version__)'",
    "npm test",
    "npm install {word}",
    "make test",
    "echo '{word}' > {dir}/new_{n}.txt",
    "echo {word} >> {file}",
    "mkdir -p {dir}/{word} && touch {dir}/{word}/__init__.py",
    "rm {dir}/tmp_{n}.txt",
    "rm -rf {dir}/build",
    "cp {file} {file}.bak",
    "mv {dir}/a_{n}.py {dir}/b_{n}.py",
    "cd {dir} && ls -la && cd ..",
    'for f in {dir}/*.py; do wc -l "$f"; done',
    "cat {file} | sort | uniq -c | sort -rn | head",
    "jq '.{word}' package.json",
    "curl -s https://example.com/{word} | python -m json.tool",
    "curl -fsSL https://example.com/install.sh | sh",
    "bash -c 'cd {dir} && make'",
    "timeout 30 python -m pytest -q",
    "env FOO={n} python {file}",
    "git diff HEAD~{n} -- {file} > /tmp/{word}.patch",
    "ls 2>&1 | tee /dev/null",
    "awk '{{print $1}}' {file} | sort -u",
    "xargs -n1 echo < {file}",
    "sudo apt-get install -y {word}",
    "docker ps -a",
    "$(echo rm) -rf {dir}",
    "cat ~/.ssh/id_rsa",
    "git reset --hard HEAD~{n}",
    "if [ -f {file} ]; then cat {file}; else echo missing; fi",
    "diff -u {file} {file2}",
    "du -sh {dir}",
    "stat {file}",
    "which python3 && python3 --version",
    "pip install -e . && pytest",
]
WORDS = ["alpha", "beta", "gamma", "delta", "config", "parser", "login", "cache", "router"]
DIRS = ["src", "tests", "docs", "src/app", "lib"]
FILES = [
    "README.md",
    "src/app/main.py",
    "src/app/util.py",
    "tests/test_main.py",
    "pyproject.toml",
    "docs/index.md",
    "lib/helpers.py",
]


def command_mix(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    for k in range(count):
        template = TEMPLATES[k % len(TEMPLATES)] if k < len(TEMPLATES) else rng.choice(TEMPLATES)
        out.append(
            template.format(
                n=rng.randint(1, 400),
                m=rng.randint(400, 900),
                word=rng.choice(WORDS),
                word2=rng.choice(WORDS),
                dir=rng.choice(DIRS),
                file=rng.choice(FILES),
                file2=rng.choice(FILES),
            )
        )
    return out


def _workspace(root: Path) -> None:
    for directory in DIRS:
        (root / directory).mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (root / name).write_text("x\n")
    (root / "package.json").write_text("{}\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def _percentile(sorted_ns: list[int], q: float) -> float:
    index = min(len(sorted_ns) - 1, int(q * len(sorted_ns)))
    return sorted_ns[index] / 1000.0


def run(quick: bool = False) -> dict[str, object]:
    count = 1_000 if quick else 10_000
    commands = command_mix(count)
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp:
        root = Path(tmp)
        _workspace(root)
        policy = Policy.load(root)
        ts = parser()
        encoded = [c.encode() for c in commands]
        actions = [ShellAction(c, root) for c in commands]
        for action in actions[:200]:  # warm up caches, imports, the parser
            policy.classify(action)
            ts.parse(action.command.encode())

        # Whole-loop CPU time as well: on a shared machine wall-clock latencies include time
        # spent waiting for a CPU, and the ratio of CPU times is the steadier figure.
        cpu = time.process_time
        start_cpu = cpu()
        for src in encoded:
            ts.parse(src)
        parse_cpu = cpu() - start_cpu
        start_cpu = cpu()
        for action in actions:
            policy.classify(action)
        classify_cpu = cpu() - start_cpu

        clock = time.perf_counter_ns
        parse_ns: list[int] = []
        for src in encoded:
            start = clock()
            ts.parse(src)
            parse_ns.append(clock() - start)

        classify_ns: list[int] = []
        tiers: dict[str, int] = {}
        for action in actions:
            start = clock()
            decision = policy.classify(action)
            classify_ns.append(clock() - start)
            tiers[str(decision.tier)] = tiers.get(str(decision.tier), 0) + 1

        # The same figures for distinct commands on a cold cache: every command parsed and
        # analysed from scratch (the mix above repeats commands, as agents do).
        unique = list(dict.fromkeys(commands))
        analyze.cache_clear()
        cold_ns: list[int] = []
        for command in unique:
            action = ShellAction(command, root)
            start = clock()
            policy.classify(action)
            cold_ns.append(clock() - start)
        unique_parse_ns: list[int] = []
        for command in unique:
            src = command.encode()
            start = clock()
            ts.parse(src)
            unique_parse_ns.append(clock() - start)

    cold_ns.sort()
    parse_total = sum(parse_ns)
    classify_total = sum(classify_ns)
    parse_ns.sort()
    classify_ns.sort()
    per_second = count / (classify_total / 1e9)
    p99 = _percentile(classify_ns, 0.99)
    ratio = classify_total / parse_total
    return {
        "commands": count,
        "commands_per_s": round(per_second),
        "p50_us": round(_percentile(classify_ns, 0.50), 1),
        "p99_us": round(p99, 1),
        "max_us": round(classify_ns[-1] / 1000.0, 1),
        "mean_us": round(statistics.fmean(classify_ns) / 1000.0, 1),
        "parse_p50_us": round(_percentile(parse_ns, 0.50), 1),
        "parse_p99_us": round(_percentile(parse_ns, 0.99), 1),
        "parse_commands_per_s": round(count / (parse_total / 1e9)),
        "ratio_to_parse": round(ratio, 2),
        "cpu_commands_per_s": round(count / classify_cpu) if classify_cpu else None,
        "cpu_ratio_to_parse": round(classify_cpu / parse_cpu, 2) if parse_cpu else None,
        "distinct_cold": {
            "commands": len(unique),
            "commands_per_s": round(len(unique) / (sum(cold_ns) / 1e9)),
            "p50_us": round(_percentile(cold_ns, 0.50), 1),
            "p99_us": round(_percentile(cold_ns, 0.99), 1),
            "ratio_to_parse": round(sum(cold_ns) / sum(unique_parse_ns), 2),
        },
        "tiers": tiers,
        "goals_met": {
            "commands_per_s>=20000": per_second >= 20_000,
            "p99<1ms": p99 < 1000,
            "ratio<=5": ratio <= 5,
        },
    }
