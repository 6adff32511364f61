"""Network clients, containers, services, processes and the commands that change the machine
rather than the workspace; and the harmless shell builtins and inspection tools."""

from __future__ import annotations

from cockpit.policy.programs.knowledge import (
    Ctx,
    Handler,
    Invocation,
    flagged,
    names,
    parse_args,
    quiet,
)
from cockpit.policy.shell.words import Word


def _network(inv: Invocation, ctx: Ctx) -> None:
    if inv.args and all(w.text in ("--version", "-V", "--help", "-h", "version") for w in inv.args):
        ctx.flag("read-only", f"{inv.name} version")
        return
    ctx.flag("network-client", f"talks to the network ({inv.name})")
    args = parse_args(
        inv.args,
        "oOdTFKbcHeuAXwmi",
        names(
            "output data upload-file form config cookie cookie-jar output-document input-file "
            "data-binary data-raw header"
        ),
    )
    for word in args.all_values("-o", "--output", "-O", "--output-document", "-c", "--cookie-jar"):
        if not word.text.startswith("-"):
            ctx.write(word)
    for opt, word in args.values:
        if opt in names("-T --upload-file -K --config -i --input-file"):
            ctx.read(word)
        elif opt in ("-d", "--data", "--data-binary", "-F", "--form") and "@" in word.text:
            name = word.text.split("@", 1)[1].split(";", 1)[0]
            ctx.read(Word(name, word.raw, word.dynamic, tilde=name.startswith("~")))


_DOCKER_READ = frozenset(
    {
        "ps",
        "images",
        "image ls",
        "logs",
        "inspect",
        "version",
        "info",
        "top",
        "stats",
        "port",
        "diff",
        "history",
        "events",
        "search",
        "ls",
        "config",
        "context",
    }
)
_DOCKER_LOCAL = frozenset({"build", "buildx", "tag", "compose build", "save", "load", "commit"})


def _docker(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(
        inv.args, "cHl", ("context", "host", "log-level", "config"), stop_at_positional=True
    )
    sub = args.positionals[0].text if args.positionals else ""
    nxt = args.positionals[1].text if len(args.positionals) > 1 else ""
    if sub in _DOCKER_READ or (
        sub in ("image", "container", "volume", "network", "compose")
        and nxt in names("ls ps list inspect logs config")
    ):
        ctx.flag("read-only", f"{inv.name} {sub}")
    elif sub in _DOCKER_LOCAL or (sub == "compose" and nxt == "build"):
        ctx.flag("run-code", f"{inv.name} {sub} builds an image")
    elif sub in ("push", "login", "pull", "logout"):
        ctx.flag("network-client", f"{inv.name} {sub} talks to a registry")
    else:
        ctx.flag("container", f"{inv.name} {sub} controls containers (root on this machine)")


def _systemctl(inv: Invocation, ctx: Ctx) -> None:
    args = parse_args(inv.args, "pHMtn", ("property", "host", "type", "lines", "output"))
    sub = args.positionals[0].text if args.positionals else "list-units"
    if sub.startswith(("list-", "is-")) or sub in ("status", "show", "cat", "help", "get-default"):
        ctx.flag("read-only", f"{inv.name} {sub}")
    else:
        ctx.flag("destructive-system", f"{inv.name} {sub} changes system services")


def _kill(inv: Invocation, ctx: Ctx) -> None:
    words = list(inv.args)
    if any(w.text in ("-l", "-L", "--list", "--table") for w in words[:1]):
        ctx.flag("read-only", "lists signals")
        return
    if words and words[0].text in ("-s", "-n", "--signal") and len(words) > 1:
        words = words[2:]
    elif words and words[0].text.startswith("-") and words[0].text != "--":
        words = words[1:]  # `-9`, `-KILL`, `-s9`
    if words and words[0].text == "--":
        words = words[1:]
    if any(w.dynamic or w.text in ("-1", "1", "0") or w.text.startswith("-") for w in words):
        ctx.flag("destructive-system", "kill signals every process or a process group")
    else:
        ctx.flag("process-control", "signals a process")


_PS_VALUE_OPTIONS = frozenset(
    names(
        "-o -O -p -q -u -U -g -G -t -C -s -N --pid --ppid --quick-pid --user --User --group "
        "--Group --tty --sid --format --sort --cols --columns --rows --lines --width"
    )
)
"""ps's dash options that take the next word as their value."""
_PS_BSD_VALUE = frozenset("oOpqtUk")
"""BSD option letters whose value is the next word (`ps o user`)."""


def _ps(inv: Invocation, ctx: Ctx) -> None:
    """`ps e` (BSD style, no dash) and the `environ` column print every process's
    environment, cockpit's API key included; `-e` only means every process."""
    value_next = False
    for word in inv.args:
        text = word.text
        if word.dynamic:
            ctx.flag("dynamic-command", "ps with options only known at run time")
            return
        if value_next:
            value_next = False
            if "environ" in text:
                break
            continue
        if text.startswith("-"):
            name, eq, value = text.partition("=")
            if "environ" in value or (text[:2] in ("-o", "-O") and "environ" in text):
                break
            value_next = not eq and (name in _PS_VALUE_OPTIONS)
            continue
        if "e" in text:
            break
        value_next = text[-1:] in _PS_BSD_VALUE
    else:
        ctx.flag("read-only", "lists processes")
        return
    ctx.flag("read-environ", "ps prints processes' environments")


def _mount(inv: Invocation, ctx: Ctx) -> None:
    if not [w for w in inv.args if not w.text.startswith("-")] and inv.name == "mount":
        ctx.flag("read-only", "lists mounts")
    else:
        ctx.flag("destructive-system", f"{inv.name} changes mounted file systems")


def _crontab(inv: Invocation, ctx: Ctx) -> None:
    if any(w.text == "-l" for w in inv.args):
        ctx.flag("read-only", "lists scheduled jobs")
    else:
        ctx.flag("destructive-system", "crontab schedules commands that outlive the session")


def _sysctl(inv: Invocation, ctx: Ctx) -> None:
    if any(
        w.text in ("-w", "--write", "-p", "--load", "--system") or "=" in w.text for w in inv.args
    ):
        ctx.flag("destructive-system", "sysctl changes kernel settings")
    else:
        ctx.flag("read-only", "reads kernel settings")


NETWORK = names(
    "curl wget nc ncat netcat socat telnet ssh scp sftp ftp tftp aria2c http https xh httpie axel "
    "mosh rclone lftp ping ping6 dig nslookup host traceroute whois nmap openssl ssh-copy-id "
    "sshpass lynx w3m links elinks smbclient ldapsearch mail sendmail mutt s3cmd tailscale wg "
    "ngrok cloudflared websocat grpcurl ssh-keyscan"
)

QUIET = {
    "echo": "prints text",
    "printf": "prints text",
    "pwd": "prints the directory",
    "true": "does nothing",
    "false": "does nothing",
    ":": "does nothing",
    "yes": "prints text",
    "seq": "prints numbers",
    "expr": "evaluates an expression",
    "whoami": "prints the user",
    "id": "prints the user",
    "groups": "prints groups",
    "uname": "prints the system",
    "uptime": "prints uptime",
    "nproc": "prints the CPU count",
    "arch": "prints the system",
    "printenv": "prints the environment",
    "locale": "prints the locale",
    "tty": "prints the tty",
    "type": "looks up a command",
    "which": "looks up a command",
    "whereis": "looks up a command",
    "whatis": "looks up a manual",
    "hash": "looks up a command",
    "help": "prints help",
    "history": "prints history",
    "jobs": "lists jobs",
    "sleep": "waits",
    "wait": "waits",
    "basename": "prints a name",
    "dirname": "prints a name",
    "cal": "prints a calendar",
    "pgrep": "lists processes",
    "pidof": "lists processes",
    "top": "lists processes",
    "htop": "lists processes",
    "free": "prints memory use",
    "df": "prints disk use",
    "lsblk": "lists devices",
    "lscpu": "prints the CPU",
    "lsof": "lists open files",
    "ss": "lists sockets",
    "netstat": "lists sockets",
    "getconf": "prints configuration",
    "clear": "clears the screen",
    "tput": "controls the terminal",
    "reset": "resets the terminal",
    "stty": "controls the terminal",
    "ulimit": "prints limits",
    "umask": "sets the file mode mask",
    "set": "sets shell options",
    "shopt": "sets shell options",
    "unset": "unsets a variable",
    "read": "reads input",
    "mapfile": "reads input",
    "readarray": "reads input",
    "let": "does arithmetic",
    "cd": "changes directory",
    "pushd": "changes directory",
    "popd": "changes directory",
    "dirs": "lists directories",
    "exit": "exits",
    "return": "returns",
    "shift": "shifts arguments",
    "break": "leaves a loop",
    "continue": "continues a loop",
    "getopts": "parses options",
    "disown": "detaches a job",
    "bg": "resumes a job",
    "fg": "resumes a job",
    "man": "shows a manual",
    "info": "shows a manual",
    "apropos": "searches manuals",
    "tldr": "shows examples",
    "lsb_release": "prints the system",
    "sw_vers": "prints the system",
    "nvidia-smi": "prints the GPU",
    "local": "declares a variable",
    "declare": "declares a variable",
    "export": "exports a variable",
    "typeset": "declares a variable",
    "readonly": "declares a variable",
    "vmstat": "prints stats",
    "iostat": "prints stats",
    "w": "lists users",
    "who": "lists users",
    "last": "lists logins",
    "users": "lists users",
    "numfmt": "formats numbers",
    "factor": "factors numbers",
    "bc": "calculates",
    "dc": "calculates",
    "cowsay": "prints text",
    "figlet": "prints text",
}


def _declare(inv: Invocation, ctx: Ctx) -> None:
    """`export NAME=VALUE` reached as a plain command (e.g. through a wrapper)."""
    for word in inv.args:
        name, eq, value = word.text.partition("=")
        if eq and name and not name.startswith("-"):
            ctx.assign(name, Word(value, word.raw, word.dynamic))
    ctx.flag("read-only", "sets variables")


def _ip(inv: Invocation, ctx: Ctx) -> None:
    words = [w.text for w in inv.args if not w.text.startswith("-")]
    if any(w in names("add del delete set flush change replace up down") for w in words) or (
        inv.name == "ifconfig" and len(words) > 1
    ):
        ctx.flag("destructive-system", f"{inv.name} changes network configuration")
    else:
        ctx.flag("read-only", "prints network configuration")


DESTRUCTIVE = tuple(
    names(
        "mkfs mke2fs mkswap fdisk sfdisk cfdisk parted gdisk sgdisk wipefs shutdown reboot halt "
        "poweroff init telinit swapon swapoff modprobe insmod rmmod iptables ip6tables nft ufw "
        "firewall-cmd useradd userdel usermod groupadd groupdel groupmod passwd chpasswd visudo "
        "chattr hdparm losetup cryptsetup lvcreate lvremove vgremove pvremove zpool zfs diskutil "
        "timedatectl hostnamectl update-alternatives setcap nsenter unshare debugfs mkfs.ext4 "
        "mkfs.xfs mkfs.vfat mkfs.btrfs fsck e2fsck tune2fs blkdiscard kexec sulogin"
    )
)


HANDLERS: dict[str, Handler] = {name: quiet(label) for name, label in QUIET.items()}
HANDLERS.update(
    {
        "docker": _docker,
        "podman": _docker,
        "nerdctl": _docker,
        "systemctl": _systemctl,
        "service": _systemctl,
        "launchctl": flagged("destructive-system", "launchctl changes system services"),
        "kill": _kill,
        "ps": _ps,
        "killall": flagged("destructive-system", "kills every process with a name"),
        "pkill": flagged("destructive-system", "kills every process matching a pattern"),
        "mount": _mount,
        "umount": _mount,
        "crontab": _crontab,
        "at": flagged("destructive-system", "schedules a command that outlives the session"),
        "batch": flagged("destructive-system", "schedules a command that outlives the session"),
        "sysctl": _sysctl,
        "ip": _ip,
        "ifconfig": _ip,
    }
)
for _name in ["export", "declare", "local", "readonly", "typeset"]:
    HANDLERS[_name] = _declare
for _name in NETWORK:
    HANDLERS[_name] = _network
for _name in DESTRUCTIVE:
    HANDLERS[_name] = flagged("destructive-system", f"{_name} changes the machine itself")
