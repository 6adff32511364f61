"""Environment variables that change what programs run (`LD_PRELOAD`, `GIT_SSH_COMMAND`,
`PAGER`, `PATH`...), and shell code stored in a variable for arithmetic or eval to run."""

from __future__ import annotations

from cockpit.policy.programs.knowledge import names
from cockpit.policy.shell.words import Word

DANGEROUS = frozenset(
    names(
        "LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT BASH_ENV ENV PROMPT_COMMAND SHELLOPTS BASHOPTS PS4 "
        "IFS HOME GIT_DIR GIT_WORK_TREE GIT_EXEC_PATH GIT_SSH GIT_SSH_COMMAND GIT_EXTERNAL_DIFF "
        "GIT_ASKPASS SSH_ASKPASS GIT_TEMPLATE_DIR NODE_OPTIONS PERL5OPT PERL5LIB RUBYOPT "
        "PYTHONSTARTUP PYTHONPATH PYTHONHOME GIT_CONFIG GIT_CONFIG_GLOBAL GIT_CONFIG_SYSTEM "
        "GIT_CONFIG_COUNT GIT_CONFIG_PARAMETERS GIT_PROXY_COMMAND BROWSER ZDOTDIR "
        # where a command's traffic goes, with what credentials in the URL
        "HTTP_PROXY HTTPS_PROXY ALL_PROXY FTP_PROXY http_proxy https_proxy all_proxy ftp_proxy"
    )
)
DANGEROUS_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "LD_", "DYLD_")
# Variables naming a program that git, man, less and editors will run.
PROGRAMS = frozenset(
    names(
        "PAGER GIT_PAGER MANPAGER EDITOR VISUAL GIT_EDITOR GIT_SEQUENCE_EDITOR SYSTEMD_PAGER "
        "LESSOPEN LESSCLOSE"
    )
)
SAFE_PROGRAMS = frozenset(
    {"", "cat", "less", "more", "true", "false", "less -R", "less -FRX", "vi", "vim", "nano", ":"}
)


def assignment_risks(name: str, value: Word) -> list[tuple[str, str]]:
    """(check id, what) for `NAME=VALUE`; empty when the assignment is harmless."""
    risks: list[tuple[str, str]] = []
    if not value.dynamic and ("$(" in value.text or "`" in value.text):
        # `x='a[$(rm -rf ~)]'; echo $((x))`: arithmetic and eval run code kept in variables.
        risks.append(
            ("dynamic-command", f"stores shell code in {name}, where arithmetic or eval can run it")
        )
    if name in DANGEROUS or name.startswith(DANGEROUS_PREFIXES):
        risks.append(("env-danger", f"sets {name}, which changes what programs run"))
    elif name in PROGRAMS:
        if value.dynamic or value.text.strip() not in SAFE_PROGRAMS:
            risks.append(("env-danger", f"sets {name} to a program git or other tools will run"))
    elif name == "PATH":
        raw = value.raw.strip("\"'")
        check = "env-path" if raw.startswith(("$PATH:", "${PATH}:")) else "env-danger"
        risks.append((check, "changes PATH, so program names may mean other programs"))
    return risks
